import XCTest

@testable import SonoEval

final class PairedComparisonTests: XCTestCase {
    /// p = [0.01, 0.04, 0.03, 0.005] sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06,
    /// 0.04·1 = 0.04 → raised to the running maximum 0.06 (statsmodels gives the same).
    func testHolmByHand() {
        let adjusted = MultipleTesting.holm([0.01, 0.04, 0.03, 0.005])
        for (a, b) in zip(adjusted, [0.03, 0.06, 0.06, 0.02]) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        let withNaN = MultipleTesting.holm([0.2, .nan, 0.6])
        XCTAssertEqual(withNaN[0], 0.4, accuracy: 1e-12)
        XCTAssertTrue(withNaN[1].isNaN)
        XCTAssertEqual(withNaN[2], 0.6, accuracy: 1e-12)
        XCTAssertEqual(MultipleTesting.holm([0.9, 0.8]), [1, 1], "capped at 1")
    }

    /// Differences [1, 2, 3, 4]: mean 2.5; every resampled mean lies in [1, 4]; all four signs
    /// positive: exact two-sided p = 2/2⁴ = 0.125.
    func testPairedDifferenceByHand() throws {
        let c = try PairedComparison(task: "t", firstName: "a", secondName: "b", first: [1, 2, 3, 4], second: [0, 0, 0, 0], seed: 3)
        XCTAssertEqual(c.count, 4)
        XCTAssertEqual(c.meanDifference, 2.5)
        XCTAssertGreaterThanOrEqual(c.lower, 1)
        XCTAssertLessThanOrEqual(c.upper, 4)
        XCTAssertLessThan(c.lower, 2.5)
        XCTAssertGreaterThan(c.upper, 2.5)
        XCTAssertEqual(c.pValue, 0.125, accuracy: 1e-12)
        XCTAssertFalse(c.isSignificant())
    }

    /// Ten images all 0.1 better: the interval is the point [0.1, 0.1]; ten tied positive ranks:
    /// p = 2/2¹⁰. The pairing matters: the unpaired scores overlap completely.
    func testConstantDifferenceIsSignificantWhenPaired() throws {
        let base = (0..<10).map { Double($0) / 10 }
        let c = try PairedComparison(task: "t", firstName: "a", secondName: "b", first: base.map { $0 + 0.1 }, second: base)
        XCTAssertEqual(c.lower, 0.1, accuracy: 1e-12)
        XCTAssertEqual(c.upper, 0.1, accuracy: 1e-12)
        XCTAssertEqual(c.pValue, 2.0 / 1024, accuracy: 1e-12)
        var all = [c, c]
        PairedComparison.holmAdjust(&all)
        XCTAssertEqual(try XCTUnwrap(all[0].adjustedPValue), 4.0 / 1024, accuracy: 1e-12)
        XCTAssertTrue(all[0].isSignificant())
    }

    func testDifferentImageCountsAreAnError() {
        XCTAssertThrowsError(try PairedComparison(task: "thyroid", firstName: "a", secondName: "b", first: [1, 2], second: [1])) { error in
            XCTAssertTrue("\(error)".contains("thyroid"), "\(error)")
        }
    }
}
