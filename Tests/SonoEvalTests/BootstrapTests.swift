import SeededRandom
import XCTest

@testable import SonoEval

final class BootstrapTests: XCTestCase {
    func testSplitMix64MatchesReferenceOutput() {
        // Vigna's splitmix64.c, seed 0.
        var generator = SplitMix64(seed: 0)
        XCTAssertEqual(generator.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(generator.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(generator.next(), 0x06C4_5D18_8009_454F)
    }

    func testBoundedIndicesAreUniform() {
        var generator = SplitMix64(seed: 42)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[generator.nextIndex(below: 7)] += 1 }
        // Expected 10,000 each, sd ≈ 93: five sd is a loose but failing-when-broken bound.
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 470) }
    }

    func testSameSeedReproducesDifferentSeedDiffers() {
        let records = (0..<200).map { Double(($0 * 7919) % 101) / 100 }
        let mean: ([Double]) -> Double = { Statistics.mean($0) }
        let a = Bootstrap(resamples: 200, seed: 5).estimate(records, metric: mean)
        let b = Bootstrap(resamples: 200, seed: 5).estimate(records, metric: mean)
        let c = Bootstrap(resamples: 200, seed: 6).estimate(records, metric: mean)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.values, c.values)
        XCTAssertEqual(a.values.count, 200)
        XCTAssertEqual(Bootstrap().sampleSize(for: 101), 51)
    }

    func testStandardDeviationOfBernoulliMean() {
        // 30 % ones; resamples of m = 1000 with replacement: std of the mean = sqrt(p(1 − p) / m).
        let p = 0.3
        let records = (0..<2000).map { $0 % 10 < 3 ? 1.0 : 0.0 }
        let estimate = Bootstrap(resamples: 1000, fraction: 0.5, seed: 11).estimate(records) { Statistics.mean($0) }
        let expected = (p * (1 - p) / 1000).squareRoot()  // 0.01449
        XCTAssertEqual(estimate.mean, p, accuracy: 0.003)
        // With 1000 resamples the std itself is known to about ±2.2 %.
        XCTAssertEqual(estimate.standardDeviation, expected, accuracy: expected * 0.1)
        XCTAssertEqual(estimate.pointEstimate, p, accuracy: 1e-12)
        XCTAssertTrue(estimate.formatted().hasPrefix("0.30"))
    }

    func testUndefinedResamplesAreCountedNotAveraged() {
        let records = [true, false, false, false]
        let estimate = Bootstrap(resamples: 300, fraction: 0.5, seed: 1).estimate(records) { sample in
            sample.contains(true) ? 1 : .nan
        }
        XCTAssertGreaterThan(estimate.undefinedCount, 0)
        XCTAssertEqual(estimate.values.count + estimate.undefinedCount, 300)
        XCTAssertEqual(estimate.mean, 1)
    }

    func testNamedMetricsShareResamples() throws {
        let records = (0..<50).map {
            SegmentationRecord(id: "\($0)", dice: Double($0) / 50, iou: Double($0) / 100, truthArea: 1, predictedArea: 1)
        }
        let summary = Bootstrap(resamples: 100, seed: 3).estimate(records, metrics: SegmentationRecord.metrics)
        let dice = try XCTUnwrap(summary["dice"]), iou = try XCTUnwrap(summary["iou"])
        // IoU is exactly half of Dice in every record, so in every resample.
        for (d, i) in zip(dice.values, iou.values) { XCTAssertEqual(d / 2, i, accuracy: 1e-12) }
        XCTAssertEqual(summary["hausdorff95"]?.values.count, 0)
    }
}
