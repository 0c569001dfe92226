import TestSupport
import XCTest

@testable import SonoData

final class AugmentationTests: XCTestCase {
    func testFlipAndShiftMoveThePixelsWhereExpected() {
        let w = 4, h = 3
        let source: [Float] = (0..<12).map(Float.init)  // value = y * 4 + x
        var out = [Float](repeating: -1, count: 12)
        let draw = AugmentationSettings.Draw(flipX: true, flipY: false, shiftX: 1, shiftY: -1, gain: 2, offset: 0.5)
        source.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in draw.apply(s.baseAddress!, to: o.baseAddress!, width: w, height: h) }
        }
        // Output (x, y) = flipped input (x − 1, y + 1): flipped input (a, b) = b * 4 + (3 − a).
        var expected = [Float](repeating: 0, count: 12)
        for y in 0..<h {
            for x in 0..<w {
                let a = x - 1, b = y + 1
                expected[y * w + x] = (a < 0 || b >= h) ? 0 : Float(b * 4 + (3 - a)) * 2 + 0.5
            }
        }
        XCTAssertEqual(out, expected)
    }

    func testDrawsStayInRange() {
        let settings = AugmentationSettings(horizontalFlip: 0.5, maxShiftX: 0.1, maxShiftY: 0.2, intensityJitter: 0.1)
        var generator = SeededGenerator(seed: 9)
        var flips = 0
        for _ in 0..<1000 {
            let d = settings.draw(width: 384, height: 256, using: &generator)
            XCTAssertTrue((-38...38).contains(d.shiftX))
            XCTAssertTrue((-51...51).contains(d.shiftY))
            XCTAssertTrue((0.9...1.1).contains(d.gain))
            XCTAssertTrue((-0.1...0.1).contains(d.offset))
            XCTAssertFalse(d.flipY)
            if d.flipX { flips += 1 }
        }
        XCTAssertTrue((400...600).contains(flips), "\(flips)")
    }

    func testBatchesAreDeterministicForASeed() throws {
        let folder = try TemporaryFolder()
        let manifest = try ManifestDatabase(path: folder.file("m.sqlite"), createIfMissing: true)
        for i in 0..<10 {
            try manifest.insertSynthetic(path: "/f\(i)", patientID: "P\(i)", transducer: "C5-1", description: "US DRAINAGE LIVER")
        }
        let dataset = try CohortDataset(
            manifest: manifest, split: nil, settings: try PreprocessSettings(height: 12, width: 16),
            labels: try manifest.paperLabels(), cacheRoot: folder.url, datasetStatistics: nil, threads: 2,
            decoder: SyntheticDecoder(width: 20, height: 14), progress: nil)
        let a = BatchLoader(dataset: dataset, batchSize: 4, shuffle: true, seed: 5, augment: AugmentationSettings(intensityJitter: 0.2))
        let b = BatchLoader(
            dataset: dataset, batchSize: 4, shuffle: true, seed: 5, augment: AugmentationSettings(intensityJitter: 0.2), threads: 1)
        let c = BatchLoader(dataset: dataset, batchSize: 4, shuffle: true, seed: 6, augment: AugmentationSettings(intensityJitter: 0.2))
        XCTAssertEqual(a.count, 3)
        for epoch in 0..<2 {
            let order = a.order(epoch: epoch)
            XCTAssertEqual(order.sorted(), Array(0..<10))
            for index in (0..<3).reversed() {  // any build order gives the same batch
                XCTAssertEqual(
                    a.makeBatch(epoch: epoch, index: index, order: order),
                    b.makeBatch(epoch: epoch, index: index, order: b.order(epoch: epoch)))
            }
        }
        XCTAssertNotEqual(a.order(epoch: 0), a.order(epoch: 1))
        XCTAssertNotEqual(
            a.makeBatch(epoch: 0, index: 0, order: a.order(epoch: 0)),
            c.makeBatch(epoch: 0, index: 0, order: c.order(epoch: 0)))
        let last = a.makeBatch(epoch: 0, index: 2, order: a.order(epoch: 0))
        XCTAssertEqual(last.count, 2)
        XCTAssertEqual(last.labels.count, 2 * 10)
        XCTAssertEqual(Array(last.labels[0..<10]), [0, 1, 1, 0, 0, 1, 0, 0, 0, 1])
    }
}
