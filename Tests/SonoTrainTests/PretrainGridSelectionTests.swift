import Foundation
import SonoTrainTestSupport
import Torch
import XCTest

@testable import SonoTrain

/// The in-painting grid shows one validation image per weak-label group where it can.
final class PretrainGridSelectionTests: XCTestCase {
    func testEachGroupGetsItsFirstImageThenTheRestFill() {
        // Groups: image 0 {0}, 1 {0,1}, 2 {}, 3 {2}, 4 {0}; group 3 has no image.
        let labels: [[Float]] = [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]]
        let picks = gridSelection(labels: labels, count: 5)
        XCTAssertEqual(picks.map(\.index), [0, 1, 3, 2, 4])
        XCTAssertEqual(picks.map(\.group), [0, 1, 2, nil, nil])
        XCTAssertEqual(gridSelection(labels: labels, count: 2).map(\.index), [0, 1], "count caps the groups shown")
        XCTAssertEqual(gridSelection(labels: [], count: 3).count, 0)
    }

    func testTheGridBatchCarriesTheGroupInEachCaption() throws {
        let source = try syntheticSource(count: 12, seed: 9)
        var config = tinyConfig()
        config.gridImages = 4
        let batch = try XCTUnwrap(try gridImages(source, count: 4, config: config))
        XCTAssertEqual(batch.images.shape, [4, 1, 64, 96])
        let labels = try batch.labels.toArray(of: Float.self)
        // syntheticSource has 3 one-hot groups: the first three rows are one of each, in order.
        for row in 0..<3 {
            XCTAssertEqual(labels[row * 3 + row], 1, "row \(row) stands for label \(row)")
            XCTAssertTrue(batch.captions[row].hasPrefix("label \(row): img"), batch.captions[row])
        }
        XCTAssertTrue(batch.captions[3].hasPrefix("any: img"), batch.captions[3])
    }
}
