import SeededRandom
import XCTest

@testable import SonoData

final class DownstreamBatcherTests: XCTestCase {
    /// Two 20×30 images whose mask is exactly where the image is bright.
    private func arrays() -> DownstreamArrays {
        let h = 20, w = 30
        var images: [Float] = [], masks: [Float] = []
        for n in 0..<2 {
            for y in 0..<h {
                for x in 0..<w {
                    let inside = (x - 10 - 5 * n) * (x - 10 - 5 * n) + (y - 8) * (y - 8) < 30
                    images.append(inside ? 2 : -0.5)
                    masks.append(inside ? 1 : 0)
                }
            }
        }
        return DownstreamArrays(ids: ["a", "b"], height: h, width: w, images: images, masks: masks, maskChannels: 1, labels: [])
    }

    func testAugmentedMasksMoveWithTheirImagesAndStayBinary() {
        var settings = AugmentationSettings.paper
        settings.intensityJitter = 0.3
        let batcher = DownstreamBatcher(arrays: arrays(), task: .segmentation, augmentation: settings)
        var generator = SeededGenerator(seed: 5)
        var moved = false
        for _ in 0..<20 {
            let batch = batcher.batch([1, 0], augment: true, generator: &generator)
            XCTAssertEqual(batch.maskShape, [2, 1, 20, 30])
            XCTAssertTrue(batch.masks.allSatisfy { $0 == 0 || $0 == 1 })
            let plain = batcher.batch([1, 0], augment: false, generator: &generator)
            moved = moved || batch.masks != plain.masks
            // Foreground of the mask is where the (jittered) image is brightest.
            for i in 0..<batch.images.count {
                let top = batch.images[(i / 600 * 600)..<(i / 600 * 600 + 600)].max()!
                XCTAssertEqual(batch.masks[i] == 1, batch.images[i] == top && top > 0, "pixel \(i)")
            }
        }
        XCTAssertTrue(moved, "twenty draws should shift or flip at least once")
    }

    func testWithoutAugmentationBatchesAreTheRowsInOrder() {
        let data = arrays()
        let batcher = DownstreamBatcher(arrays: data, task: .segmentation)
        var generator = SeededGenerator(seed: 0)
        let batch = batcher.batch([1], augment: false, generator: &generator)
        XCTAssertEqual(batch.images, Array(data.images[600..<1200]))
        XCTAssertEqual(batch.masks, Array(data.masks[600..<1200]))
    }

    func testEpochOrderIsSeededAndDropsATrailingSingleton() {
        var data = arrays()
        data = data.subset([0, 1, 0, 1, 0])
        let batcher = DownstreamBatcher(arrays: data, task: .classification)
        let order = batcher.epochOrder(batchSize: 2, seed: 3, epoch: 1, shuffle: true)
        XCTAssertEqual(order, batcher.epochOrder(batchSize: 2, seed: 3, epoch: 1, shuffle: true))
        XCTAssertEqual(order.map(\.count), [2, 2])
        XCTAssertEqual(batcher.epochOrder(batchSize: 2, seed: 3, epoch: 1, shuffle: false), [[0, 1], [2, 3], [4]])
    }
}

final class SeededShuffleTests: XCTestCase {
    /// The shuffle every split, epoch order and phantom set uses must stay the Fisher–Yates it
    /// replaced (`next() % (i + 1)` from the top), or stored splits and resumed runs change.
    func testMatchesTheFisherYatesItReplaced() {
        for seed: UInt64 in [0, 1, 42, 0xDEAD_BEEF] {
            var a = SeededGenerator(seed: seed), b = SeededGenerator(seed: seed)
            var shuffled = Array(0..<37)
            shuffled.seededShuffle(&a)
            var reference = Array(0..<37)
            for i in stride(from: reference.count - 1, to: 0, by: -1) { reference.swapAt(i, b.nextInt(below: i + 1)) }
            XCTAssertEqual(shuffled, reference)
            XCTAssertNotEqual(shuffled, Array(0..<37))
        }
    }

    func testGoldenOrder() {
        var generator = SeededGenerator(seed: 7)
        var order = Array(0..<10)
        order.seededShuffle(&generator)
        XCTAssertEqual(order, SeededShuffleTests.goldenSeed7)
    }

    // Computed independently (SplitMix64 and the loop above, in Python).
    static let goldenSeed7 = [8, 1, 5, 9, 0, 4, 3, 2, 6, 7]
}
