import XCTest

@testable import SonoEval

/// Reference values from SciPy 1.17.1, `scipy.stats.wilcoxon` with its defaults unless stated.
final class WilcoxonTests: XCTestCase {
    func testExactWithoutTies() throws {
        // stats.wilcoxon(x=[1.5, -0.3, 2.2, 0.7, 1.1, -0.9, 3.1, 0.4, 2.6, 1.9, -0.2, 0.8])
        let d = [1.5, -0.3, 2.2, 0.7, 1.1, -0.9, 3.1, 0.4, 2.6, 1.9, -0.2, 0.8]
        let result = Wilcoxon.signedRank(differences: d)
        XCTAssertEqual(result.statistic, 9)
        XCTAssertEqual(result.pValue, 0.01611328125, accuracy: 1e-12)
        XCTAssertTrue(result.isExact)
        // stats.wilcoxon(np.arange(1, 21) * signs) with signs below: statistic 48, p 0.03276824951171875
        let signs: [Double] = [1, -1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, 1, -1, 1, 1]
        let twenty = Wilcoxon.signedRank(differences: (1...20).map(Double.init).enumerated().map { $0.element * signs[$0.offset] })
        XCTAssertEqual(twenty.statistic, 48)
        XCTAssertEqual(twenty.pValue, 0.03276824951171875, accuracy: 1e-12)
    }

    func testExactWithTiesMatchesSciPyPermutation() {
        // stats.wilcoxon([1, 2, -2, 3, 3, -1, 4, 2, 5]): ties, n ≤ 13 → SciPy enumerates all sign flips.
        let result = Wilcoxon.signedRank(differences: [1, 2, -2, 3, 3, -1, 4, 2, 5])
        XCTAssertEqual(result.statistic, 5.5)
        XCTAssertEqual(result.pValue, 0.05078125, accuracy: 1e-12)
    }

    /// 80 differences (rounded normal draws, 8 of them zero), above the exact limit:
    ///     big = np.round(np.random.default_rng(0).normal(0.3, 1.0, 80), 1); big[:5] = 0
    func testNormalApproximationWithTiesAndZeros() {
        let big: [Double] = [
            0.0, 0.0, 0.0, 0.0, 0.0, 0.7, 1.6, 1.2, -0.4, -1.0, -0.3, 0.3, -2.0, 0.1, -0.9, -0.4, -0.2, -0.0, 0.7, 1.3,
            0.2, 1.7, -0.4, 0.7, 1.2, 0.4, -0.4, -0.6, -0.2, 0.5, -0.7, 0.1, 0.1, 0.8, 0.5, 0.7, -0.4, 0.2, 1.1, 1.8,
            -1.0, 1.8, 1.6, 1.1, 0.6, -0.0, 1.8, 2.3, 2.1, 1.6, 0.7, -0.9, 0.3, 1.0, -1.0, 0.7, 0.7, 1.0, -0.9, -0.4,
            -0.1, -0.9, 2.0, -0.2, 0.6, 0.0, 1.9, 1.6, 0.9, -1.9, 0.4, 1.0, 1.3, -0.3, 2.1, -1.0, -0.4, 1.2, 0.3, 2.3
        ]
        let wilcox = Wilcoxon.signedRank(differences: big)
        XCTAssertFalse(wilcox.isExact)
        XCTAssertEqual(wilcox.count, 72)
        XCTAssertEqual(wilcox.statistic, 717)
        XCTAssertEqual(wilcox.pValue, 0.0008007057500308714, accuracy: 1e-12)
        let pratt = Wilcoxon.signedRank(differences: big, zeroMethod: .pratt)
        XCTAssertEqual(pratt.statistic, 917)
        XCTAssertEqual(pratt.pValue, 0.0010051336330741498, accuracy: 1e-12)
        let corrected = Wilcoxon.signedRank(differences: big, continuityCorrection: true)
        XCTAssertEqual(corrected.pValue, 0.0008088661024020586, accuracy: 1e-12)
    }

    func testPairedInputsAndDegenerateCases() throws {
        let result = try Wilcoxon.signedRank([3, 4, 5], [1, 1, 1])
        XCTAssertEqual(result.statistic, 0)
        XCTAssertEqual(result.pValue, 0.25, accuracy: 1e-12)  // 2 · (1/8)
        XCTAssertThrowsError(try Wilcoxon.signedRank([1, 2], [1]))
        XCTAssertTrue(Wilcoxon.signedRank(differences: [0, 0, 0]).pValue.isNaN)
    }
}

final class LowDataAnalysisTests: XCTestCase {
    func testComparisonsPairRepeats() throws {
        let baseline = [0.60, 0.62, 0.58, 0.65, 0.61, 0.59]
        let ceDCM = [0.70, 0.69, 0.72, 0.66, 0.71, 0.74]  // every repeat better: W = 0, exact p = 2 / 2⁶
        let analysis = try LowDataAnalysis(results: [("Baseline", baseline), ("CE+DCM", ceDCM)], pairs: [("CE+DCM", "Baseline")])
        let c = try XCTUnwrap(analysis.comparisons.first)
        XCTAssertEqual(c.test.statistic, 0)
        XCTAssertEqual(c.test.pValue, 2.0 / 64, accuracy: 1e-12)
        XCTAssertEqual(c.meanDifference, (ceDCM.reduce(0, +) - baseline.reduce(0, +)) / 6, accuracy: 1e-12)
        XCTAssertEqual(analysis.table().rows.first?[5], "0.0312")
        XCTAssertEqual(analysis.boxPlot(title: "t", yLabel: "Dice").comparisons.first?.label, "p = 0.031")
        XCTAssertThrowsError(try LowDataAnalysis(results: [("A", [1, 2]), ("B", [1])], pairs: [("A", "B")]))
        XCTAssertThrowsError(try LowDataAnalysis(results: [("A", [1, 2])], pairs: [("A", "C")]))
    }
}
