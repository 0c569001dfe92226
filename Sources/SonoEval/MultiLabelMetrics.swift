import SonoSupport

/// Measures for multi-label classification (several independent yes/no labels per image,
/// e.g. the study-description groups): scores are per-label probabilities.
public enum MultiLabelMetrics {
    /// Mean over labels of the ROC AUC, leaving out labels without both outcomes in `targets`.
    public static func macroAUC(scores: [[Double]], targets: [[Bool]]) -> Double {
        guard scores.count == targets.count, let labelCount = targets.first?.count else { return .nan }
        let perLabel = (0..<labelCount).map { k in
            ClassificationMetrics.auc(
                scores: scores.map { k < $0.count ? $0[k] : .nan },
                positives: targets.map { k < $0.count && $0[k] })
        }.filter { !$0.isNaN }
        return perLabel.isEmpty ? .nan : Statistics.mean(perLabel)
    }

    /// Mean over labels of F1 for `score > threshold`; labels never present nor predicted are left out.
    public static func macroF1(scores: [[Double]], targets: [[Bool]], threshold: Double = 0.5) -> Double {
        guard scores.count == targets.count, let labelCount = targets.first?.count else { return .nan }
        var f1s: [Double] = []
        for k in 0..<labelCount {
            var tp = 0, fp = 0, fn = 0
            for (s, t) in zip(scores, targets) {
                let predicted = k < s.count && s[k] > threshold, actual = k < t.count && t[k]
                if predicted && actual { tp += 1 } else if predicted { fp += 1 } else if actual { fn += 1 }
            }
            if tp + fp + fn > 0 { f1s.append(Double(2 * tp) / Double(2 * tp + fp + fn)) }
        }
        return f1s.isEmpty ? .nan : Statistics.mean(f1s)
    }

    /// Fraction of (image, label) decisions that are right at `threshold`.
    public static func labelAccuracy(scores: [[Double]], targets: [[Bool]], threshold: Double = 0.5) -> Double {
        var right = 0, total = 0
        for (s, t) in zip(scores, targets) {
            for k in 0..<min(s.count, t.count) {
                total += 1
                if (s[k] > threshold) == t[k] { right += 1 }
            }
        }
        return total == 0 ? .nan : Double(right) / Double(total)
    }

    /// Fraction of images whose whole label set is right at `threshold` ("subset accuracy").
    public static func exactMatch(scores: [[Double]], targets: [[Bool]], threshold: Double = 0.5) -> Double {
        guard !targets.isEmpty, scores.count == targets.count else { return .nan }
        let matches = zip(scores, targets).filter { s, t in s.count == t.count && zip(s, t).allSatisfy { ($0 > threshold) == $1 } }
        return Double(matches.count) / Double(targets.count)
    }
}

/// One test image's multi-label result.
public struct MultiLabelRecord: Equatable, Sendable {
    public var id: String
    public var targets: [Bool]
    public var scores: [Double]

    public init(id: String, targets: [Bool], scores: [Double]) {
        self.id = id
        self.targets = targets
        self.scores = scores
    }

    public static func csv(_ records: [MultiLabelRecord], labelNames: [String]) -> CSVTable {
        let count = max(labelNames.count, records.map(\.targets.count).max() ?? 0)
        let names = (0..<count).map { $0 < labelNames.count ? labelNames[$0] : "label_\($0)" }
        return CSVTable(
            header: ["id"] + names.map { "\($0)_truth" } + names.map { "\($0)_score" },
            rows: records.map { r in
                [r.id] + (0..<count).map { $0 < r.targets.count ? (r.targets[$0] ? "1" : "0") : "" }
                    + (0..<count).map { $0 < r.scores.count ? Format.fixed(r.scores[$0], 6) : "" }
            })
    }

    public static let metrics: [(name: String, metric: ([MultiLabelRecord]) -> Double)] = [
        ("macro_auc", { MultiLabelMetrics.macroAUC(scores: $0.map(\.scores), targets: $0.map(\.targets)) }),
        ("macro_f1", { MultiLabelMetrics.macroF1(scores: $0.map(\.scores), targets: $0.map(\.targets)) }),
        ("label_accuracy", { MultiLabelMetrics.labelAccuracy(scores: $0.map(\.scores), targets: $0.map(\.targets)) }),
        ("exact_match", { MultiLabelMetrics.exactMatch(scores: $0.map(\.scores), targets: $0.map(\.targets)) })
    ]
}
