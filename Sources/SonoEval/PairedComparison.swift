/// Two configurations scored on the same test images: the difference of their mean per-image
/// scores with a paired bootstrap confidence interval (the same resampled images for both), and
/// a two-sided Wilcoxon signed-rank p-value on the per-image differences.
public struct PairedComparison: Sendable, Codable, Equatable {
    public var task: String
    public var first: String
    public var second: String
    /// Images compared.
    public var count: Int
    /// mean(first − second) over images.
    public var meanDifference: Double
    /// Percentile interval of the mean difference over `resamples` paired bootstrap resamples.
    public var lower: Double
    public var upper: Double
    public var level: Double
    /// Wilcoxon signed-rank p-value (NaN when every difference is 0).
    public var pValue: Double
    /// Holm-corrected p-value across the comparisons of one table (nil until adjusted).
    public var adjustedPValue: Double?

    /// Compares per-image scores `first[i]` and `second[i]` of the same image i.
    public init(
        task: String, firstName: String, secondName: String, first: [Double], second: [Double],
        resamples: Int = 2000, level: Double = 0.95, seed: UInt64 = 0
    ) throws {
        guard first.count == second.count, !first.isEmpty else {
            throw EvaluationError.sizeMismatch(
                "\(task): \(firstName) has \(first.count) scored images, \(secondName) \(second.count); a paired comparison needs the same images"
            )
        }
        let differences = zip(first, second).map { $0 - $1 }
        let bootstrap = Bootstrap(resamples: resamples, fraction: 1, seed: seed)
        let estimate = bootstrap.estimate(differences) { Statistics.mean($0) }
        let interval = estimate.interval(level)
        self.task = task
        self.first = firstName
        self.second = secondName
        count = differences.count
        meanDifference = Statistics.mean(differences)
        lower = interval?.lowerBound ?? .nan
        upper = interval?.upperBound ?? .nan
        self.level = level
        pValue = Wilcoxon.signedRank(differences: differences).pValue
    }

    /// Significant at `alpha` after correction (uncorrected when not adjusted yet).
    public func isSignificant(alpha: Double = 0.05) -> Bool {
        let p = adjustedPValue ?? pValue
        return p.isFinite && p < alpha
    }

    /// Holm's step-down correction over `comparisons`, in place (NaN p-values are left out and stay nil).
    public static func holmAdjust(_ comparisons: inout [PairedComparison]) {
        let adjusted = MultipleTesting.holm(comparisons.map(\.pValue))
        for i in comparisons.indices { comparisons[i].adjustedPValue = adjusted[i].isNaN ? nil : adjusted[i] }
    }
}

public enum MultipleTesting {
    /// Holm–Bonferroni adjusted p-values, in input order: the k-th smallest of m p-values becomes
    /// max over j ≤ k of min(1, (m − j + 1)·p₍ⱼ₎) (statsmodels' `multipletests(method="holm")`).
    /// NaN entries are not counted in m and stay NaN.
    public static func holm(_ pValues: [Double]) -> [Double] {
        let defined = pValues.indices.filter { !pValues[$0].isNaN }.sorted { pValues[$0] < pValues[$1] }
        let m = defined.count
        var out = [Double](repeating: .nan, count: pValues.count)
        var running = 0.0
        for (rank, index) in defined.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            out[index] = running
        }
        return out
    }
}
