import XCTest

@testable import SonoEval

/// References computed with exact fractions in plain Python (no scikit-learn), e.g. for kappa:
///
///     O[t][p] counts; rows, cols marginals; n = 12
///     num = sum((i-j)**2 * O[i][j]); den = sum(Fraction((i-j)**2 * rows[i] * cols[j], n))
///     kappa = 1 - num/den                                     # 36/41
final class ClassificationMetricsTests: XCTestCase {
    let truth = [0, 1, 2, 3, 4, 2, 1, 0, 3, 4, 2, 2]
    let predicted = [0, 2, 2, 3, 3, 1, 1, 0, 4, 4, 2, 3]

    func testAccuracyF1AndKappa() {
        XCTAssertEqual(ClassificationMetrics.accuracy(predicted: predicted, truth: truth), 7.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(ClassificationMetrics.macroF1(predicted: predicted, truth: truth), 104.0 / 175, accuracy: 1e-12)
        XCTAssertEqual(
            ClassificationMetrics.quadraticWeightedKappa(predicted: predicted, truth: truth, classCount: 5), 36.0 / 41, accuracy: 1e-12)
        XCTAssertEqual(ClassificationMetrics.quadraticWeightedKappa(predicted: truth, truth: truth, classCount: 5), 1, accuracy: 1e-12)
        XCTAssertTrue(ClassificationMetrics.quadraticWeightedKappa(predicted: [1, 1], truth: [1, 1], classCount: 5).isNaN)
    }

    func testKappaByHandOnTwoClasses() {
        // truth 0,0,1,1 ; predicted 0,1,1,1: O = [[1,1],[0,2]], rows (2,2), cols (1,3):
        // observed disagreement 1, expected 2·1·... = (2·3 + 2·1)/4 = 2, kappa = 1 − 1/2.
        XCTAssertEqual(
            ClassificationMetrics.quadraticWeightedKappa(predicted: [0, 1, 1, 1], truth: [0, 0, 1, 1], classCount: 2), 0.5, accuracy: 1e-12)
    }

    func testAUCWithTies() {
        // Pair counting with ties as ½: 31/32.
        let scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.7, 0.2, 0.9]
        let positives = [false, true, false, true, false, true, false, true]
        XCTAssertEqual(ClassificationMetrics.auc(scores: scores, positives: positives), 31.0 / 32, accuracy: 1e-12)
        XCTAssertEqual(ClassificationMetrics.auc(scores: [1, 1, 1], positives: [true, false, true]), 0.5, accuracy: 1e-12)
        XCTAssertTrue(ClassificationMetrics.auc(scores: [0.1, 0.2], positives: [true, true]).isNaN)
    }

    func testMacroAndOrdinalAUC() {
        // Three classes, perfectly separated for class 0, chance-free elsewhere.
        let scores: [[Double]] = [[0.8, 0.1, 0.1], [0.1, 0.7, 0.2], [0.2, 0.2, 0.6], [0.1, 0.3, 0.6]]
        let labels = [0, 1, 2, 1]
        // class 0: 1; class 1 (scores 0.7, 0.3 vs 0.1, 0.2): 4/4 = 1; class 2 (0.6 vs 0.1, 0.2, 0.6): 2.5/3.
        XCTAssertEqual(ClassificationMetrics.macroAUC(scores: scores, truth: labels, classCount: 3), (1 + 1 + 2.5 / 3) / 3, accuracy: 1e-12)
        // Ordinal, 3 levels: threshold ≥1 (0.9, 0.6, 0.8 vs 0.3, 0.2, 0.7) = 8/9; threshold ≥2 (0.7, 0.6 vs 0.2, 0.1, 0.3, 0.2) = 1.
        let cumulative: [[Double]] = [[0.9, 0.2], [0.6, 0.7], [0.3, 0.1], [0.8, 0.6], [0.2, 0.3], [0.7, 0.2]]
        XCTAssertEqual(
            ClassificationMetrics.ordinalAUC(cumulative: cumulative, truth: [1, 2, 0, 2, 0, 0], classCount: 3),
            (8.0 / 9 + 1) / 2, accuracy: 1e-12)
    }

    func testOrdinalEncodingRoundTrip() throws {
        let encoding = try OrdinalEncoding(classCount: 5)
        XCTAssertEqual(try encoding.encode(0), [0, 0, 0, 0])
        XCTAssertEqual(try encoding.encode(2), [1, 1, 0, 0])
        XCTAssertEqual(try encoding.encode(4), [1, 1, 1, 1])
        for level in 0..<5 {
            let probabilities = try encoding.encode(level).map { Double($0) * 0.8 + 0.1 }
            XCTAssertEqual(encoding.decode(probabilities), level)
            XCTAssertEqual(encoding.decode(probabilities, using: .mostLikelyMonotone), level)
        }
        XCTAssertThrowsError(try encoding.encode(5))
        XCTAssertThrowsError(try OrdinalEncoding(classCount: 1))
    }

    func testMonotoneDecodingDiffersFromCounting() throws {
        // Likelihood of consistent codes: level 1 .9·.55·.3·.9 = .134, level 2 .109, level 3 .9·.45·.7·.9 = .255.
        let encoding = try OrdinalEncoding(classCount: 5)
        let p = [0.9, 0.45, 0.7, 0.1]
        XCTAssertEqual(encoding.decode(p), 2)
        XCTAssertEqual(encoding.decode(p, using: .mostLikelyMonotone), 3)
    }

    func testOrdinalClassWeights() throws {
        let encoding = try OrdinalEncoding(classCount: 5)
        let levels = [0, 0, 0, 1, 1, 2, 3, 4, 4, 4]  // positives per output: 7, 5, 4, 3 of 10
        let weights = encoding.balancedWeights(levels: levels)
        let expected: [(Double, Double)] = [(10.0 / 14, 10.0 / 6), (1, 1), (10.0 / 8, 10.0 / 12), (10.0 / 6, 10.0 / 14)]
        for (w, e) in zip(weights, expected) {
            XCTAssertEqual(w.positive, e.0, accuracy: 1e-12)
            XCTAssertEqual(w.negative, e.1, accuracy: 1e-12)
        }
        let posWeights = encoding.positiveWeights(levels: levels)
        for (w, e) in zip(posWeights, [3.0 / 7, 1, 6.0 / 4, 7.0 / 3]) { XCTAssertEqual(w, e, accuracy: 1e-12) }
        XCTAssertEqual(encoding.positiveWeights(levels: [0, 0]), [1, 1, 1, 1])
    }
}

final class MultiLabelMetricsTests: XCTestCase {
    func testHandComputedMultiLabelMeasures() {
        // Label 0: scores 0.9, 0.2, 0.6 with truth T, F, F → AUC 1, predictions T, F, T → F1 2/3.
        // Label 1: scores 0.4, 0.8, 0.7 with truth T, T, F → AUC (0 + 1) / 2 = 0.5, predictions F, T, T → F1 1/2.
        let scores: [[Double]] = [[0.9, 0.4], [0.2, 0.8], [0.6, 0.7]]
        let targets: [[Bool]] = [[true, true], [false, true], [false, false]]
        XCTAssertEqual(MultiLabelMetrics.macroAUC(scores: scores, targets: targets), 0.75, accuracy: 1e-12)
        XCTAssertEqual(MultiLabelMetrics.macroF1(scores: scores, targets: targets), (2.0 / 3 + 0.5) / 2, accuracy: 1e-12)
        XCTAssertEqual(MultiLabelMetrics.labelAccuracy(scores: scores, targets: targets), 3.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(MultiLabelMetrics.exactMatch(scores: scores, targets: targets), 1.0 / 3, accuracy: 1e-12)
        let csv = MultiLabelRecord.csv(
            [MultiLabelRecord(id: "a", targets: [true, false], scores: [0.9, 0.1])], labelNames: ["liver", "kidney"])
        XCTAssertEqual(csv.text, "id,liver_truth,kidney_truth,liver_score,kidney_score\na,1,0,0.900000,0.100000\n")
    }
}
