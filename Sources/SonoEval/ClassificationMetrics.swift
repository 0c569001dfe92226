/// Classification measures on integer class labels 0..<K and per-class scores.
/// Undefined values (e.g. AUC with one class only) are `.nan`, so bootstrap summaries can skip them.
public enum ClassificationMetrics {
    public static func accuracy(predicted: [Int], truth: [Int]) -> Double {
        guard !truth.isEmpty, predicted.count == truth.count else { return .nan }
        return Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(truth.count)
    }

    /// `matrix[t][p]` counts samples of true class t predicted as p. Labels outside 0..<K are ignored.
    public static func confusionMatrix(predicted: [Int], truth: [Int], classCount: Int) -> [[Int]] {
        let k = max(0, classCount)
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for (p, t) in zip(predicted, truth) where p >= 0 && p < k && t >= 0 && t < k { matrix[t][p] += 1 }
        return matrix
    }

    /// Unweighted mean of per-class F1 over the classes that occur in the truth or the prediction
    /// (scikit-learn's `f1_score(average="macro")`; a class never predicted but present scores 0).
    public static func macroF1(predicted: [Int], truth: [Int]) -> Double {
        guard !truth.isEmpty, predicted.count == truth.count else { return .nan }
        let classes = Set(predicted).union(truth)
        var total = 0.0
        for c in classes {
            var tp = 0, fp = 0, fn = 0
            for (p, t) in zip(predicted, truth) {
                if p == c && t == c { tp += 1 } else if p == c { fp += 1 } else if t == c { fn += 1 }
            }
            let denominator = 2 * tp + fp + fn
            total += denominator == 0 ? 0 : Double(2 * tp) / Double(denominator)
        }
        return total / Double(classes.count)
    }

    /// Cohen's kappa with quadratic weights w = (i − j)² on the ordinal classes 0..<K:
    /// 1 − Σ w·O / Σ w·E, E the outer product of the marginals. Class distance uses the label
    /// values themselves, so an absent middle class still counts as a step (scikit-learn instead
    /// re-indexes the labels that occur; both agree whenever every class occurs).
    /// `.nan` when the expected disagreement is zero (e.g. all samples in one class).
    public static func quadraticWeightedKappa(predicted: [Int], truth: [Int], classCount: Int) -> Double {
        guard !truth.isEmpty, predicted.count == truth.count, classCount > 1 else { return .nan }
        let matrix = confusionMatrix(predicted: predicted, truth: truth, classCount: classCount)
        let n = Double(matrix.joined().reduce(0, +))
        guard n > 0 else { return .nan }
        let rowSums = matrix.map { Double($0.reduce(0, +)) }
        let columnSums = (0..<classCount).map { j in Double(matrix.reduce(0) { $0 + $1[j] }) }
        var observed = 0.0, expected = 0.0
        for i in 0..<classCount {
            for j in 0..<classCount {
                let w = Double((i - j) * (i - j))
                observed += w * Double(matrix[i][j])
                expected += w * rowSums[i] * columnSums[j] / n
            }
        }
        return expected == 0 ? .nan : 1 - observed / expected
    }

    /// Area under the ROC curve for binary truth, with ties counted half (the Mann–Whitney U
    /// statistic over midranks; equals scikit-learn's `roc_auc_score`). `.nan` without both classes.
    public static func auc(scores: [Double], positives: [Bool]) -> Double {
        guard scores.count == positives.count else { return .nan }
        let positiveCount = positives.filter { $0 }.count, negativeCount = positives.count - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return .nan }
        let ranks = Statistics.midranks(scores)
        let rankSum = zip(ranks, positives).reduce(0.0) { $0 + ($1.1 ? $1.0 : 0) }
        let u = rankSum - Double(positiveCount) * Double(positiveCount + 1) / 2
        return u / (Double(positiveCount) * Double(negativeCount))
    }

    /// One-vs-rest macro AUC: `scores[i][k]` is sample i's score for class k. Classes without both
    /// positives and negatives in `truth` are left out of the mean.
    public static func macroAUC(scores: [[Double]], truth: [Int], classCount: Int) -> Double {
        guard scores.count == truth.count else { return .nan }
        let perClass = (0..<classCount).map { k in
            auc(scores: scores.map { k < $0.count ? $0[k] : .nan }, positives: truth.map { $0 == k })
        }.filter { !$0.isNaN }
        return perClass.isEmpty ? .nan : Statistics.mean(perClass)
    }

    /// AUC for ordinal labels from cumulative outputs: `cumulative[i][k−1]` is sample i's
    /// estimate of P(level ≥ k), k = 1…K−1 (the ordinal head's sigmoid outputs). For each
    /// threshold k the binary task "level ≥ k" is scored with its own output; the result is the
    /// mean over thresholds where both outcomes occur in `truth`.
    public static func ordinalAUC(cumulative: [[Double]], truth: [Int], classCount: Int) -> Double {
        guard cumulative.count == truth.count, classCount > 1 else { return .nan }
        let perThreshold = (1..<classCount).map { k in
            auc(scores: cumulative.map { k - 1 < $0.count ? $0[k - 1] : .nan }, positives: truth.map { $0 >= k })
        }.filter { !$0.isNaN }
        return perThreshold.isEmpty ? .nan : Statistics.mean(perThreshold)
    }
}
