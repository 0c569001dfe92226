import Foundation
import Imaging
import SeededRandom
import TestSupport
import XCTest

@testable import SonoPhantom

final class DownstreamTests: XCTestCase {
    func testSetsAreSplitByPatientWithAlignedMasks() throws {
        var options = PhantomFixtures.smallOptions(patients: 1, seed: 4)
        options.writeArchive = false
        options.downstream?.patients = 6
        options.downstream?.imagesPerPatient = 2
        let root = try temporaryFolder("downstream")
        let summary = try PhantomGenerator.generate(options, into: root)
        for task in PhantomDownstreamSet.allCases {
            let folder = root.appendingPathComponent("downstream/\(task.rawValue)")
            let csv = try String(contentsOf: folder.appendingPathComponent("labels.csv"), encoding: .utf8)
            let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = lines[0]
            XCTAssertEqual(Array(header.prefix(4)), ["image", "mask", "patient", "split"])
            let rows = lines.dropFirst()
            XCTAssertEqual(rows.count, 12)
            var splitOf: [String: String] = [:]
            for row in rows {
                if let previous = splitOf[row[2]] { XCTAssertEqual(previous, row[3], "patient \(row[2]) in two splits") }
                splitOf[row[2]] = row[3]
                let image = try PNG.read(path: folder.appendingPathComponent(row[0]).path)
                let mask = try PNG.read(path: folder.appendingPathComponent(row[1]).path)
                XCTAssertEqual(image.width, 96); XCTAssertEqual(image.height, 64)
                XCTAssertEqual(mask.width, image.width); XCTAssertEqual(mask.height, image.height)
                XCTAssertTrue(mask.pixels.allSatisfy { $0 == 0 || $0 == 255 })
                if task == .thyroid { XCTAssertGreaterThan(mask.pixels.filter { $0 == 255 }.count, 0, row[0]) }
                // The field of view fills the frame for downstream images.
                XCTAssertGreaterThan(image.pixels.filter { $0 > 0 }.count, image.pixels.count / 3)
            }
            XCTAssertEqual(Set(splitOf.values), ["train", "val", "test"])
            XCTAssertEqual(summary.downstream[task.rawValue]?.values.reduce(0, +), 12)
        }
        let quality = try String(contentsOf: root.appendingPathComponent("downstream/quality/labels.csv"), encoding: .utf8)
        let scores = quality.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[4] }
        XCTAssertEqual(Set(scores), ["0", "1", "2", "3", "4"])
    }

    func testQualityScoreFollowsSimulatorParameters() {
        // Higher scores: more kidney in view, less off-plane, fewer rib shadows, less noise.
        var options = PhantomOptions()
        options.rows = 64; options.columns = 96
        var rng = SplitMix64(seed: 8)
        func average(_ score: Int, _ f: (MorisonView) -> Double) -> Double {
            let views = (0..<50).compactMap { _ in DownstreamPlanner.morisonSpec(score: score, options: options, rng: &rng).morison }
            return views.map(f).reduce(0, +) / Double(views.count)
        }
        for score in 1..<4 {
            XCTAssertLessThan(average(score, \.kidneyVisibility), average(score + 1, \.kidneyVisibility))
            XCTAssertGreaterThan(average(score, \.offPlaneDegrees), average(score + 1, \.offPlaneDegrees))
            XCTAssertGreaterThan(average(score, { Double($0.ribShadows) }), average(score + 1, { Double($0.ribShadows) }))
        }
        XCTAssertEqual(average(0, \.kidneyVisibility), 0)
    }
}
