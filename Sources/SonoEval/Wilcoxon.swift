import Foundation

/// Paired Wilcoxon signed-rank test, two-sided, on differences x − y.
///
/// Defaults follow `scipy.stats.wilcoxon`: zeros dropped (`zero_method="wilcox"`), no continuity
/// correction, statistic = min(R₊, R₋). The p-value is exact when at most `exactLimit` (50)
/// non-zero differences remain: the permutation distribution of R₊ under random signs, counted
/// on doubled midranks so that ties stay exact (SciPy does the same by enumeration for n ≤ 13 and
/// switches to the normal approximation for tied samples of 14–50). Larger samples use the normal
/// approximation with tie correction (and Pratt's zero correction when `zeroMethod` is `.pratt`).
public enum Wilcoxon {
    public enum ZeroMethod: Sendable { case wilcox, pratt }
    public enum Method: Sendable { case auto, exact, normal }

    public struct Result: Equatable, Sendable {
        /// min(R₊, R₋).
        public let statistic: Double
        public let pValue: Double
        /// Number of differences ranked (non-zero ones under `.wilcox`).
        public let count: Int
        /// Whether the exact distribution was used.
        public let isExact: Bool
        /// The normal approximation's z (nil for exact results).
        public let z: Double?
    }

    public static let exactLimit = 50

    public static func signedRank(
        _ x: [Double], _ y: [Double], zeroMethod: ZeroMethod = .wilcox,
        method: Method = .auto, continuityCorrection: Bool = false
    ) throws -> Result {
        guard x.count == y.count else {
            throw EvaluationError.sizeMismatch("Wilcoxon needs paired samples, got \(x.count) and \(y.count)")
        }
        return signedRank(
            differences: zip(x, y).map { $0 - $1 }, zeroMethod: zeroMethod, method: method,
            continuityCorrection: continuityCorrection)
    }

    public static func signedRank(
        differences all: [Double], zeroMethod: ZeroMethod = .wilcox,
        method: Method = .auto, continuityCorrection: Bool = false
    ) -> Result {
        let d = all.filter { !$0.isNaN }
        let ranked = zeroMethod == .wilcox ? d.filter { $0 != 0 } : d
        let zeroCount = d.count - d.filter { $0 != 0 }.count
        let ranks = Statistics.midranks(ranked.map { abs($0) })
        let rPlus = zip(ranked, ranks).reduce(0.0) { $0 + ($1.0 > 0 ? $1.1 : 0) }
        let rMinus = zip(ranked, ranks).reduce(0.0) { $0 + ($1.0 < 0 ? $1.1 : 0) }
        let statistic = min(rPlus, rMinus)
        let n = ranked.count
        guard n > 0, n > (zeroMethod == .pratt ? zeroCount : 0) else {
            return Result(statistic: statistic, pValue: .nan, count: n, isExact: false, z: nil)
        }
        let useExact = method == .exact || (method == .auto && n <= exactLimit)
        if useExact {
            let signedRanks = zip(ranked, ranks).filter { $0.0 != 0 }.map(\.1)
            return Result(
                statistic: statistic, pValue: exactPValue(rPlus: rPlus, ranks: signedRanks),
                count: n, isExact: true, z: nil)
        }
        // Normal approximation: mean and variance of R₊ under H0, corrected for ties (Σ t³ − t)
        // and, for Pratt, for the zero ranks that never carry a sign (Cureton 1967).
        let count = Double(n), zeros = Double(zeroMethod == .pratt ? zeroCount : 0)
        let mean = count * (count + 1) / 4 - zeros * (zeros + 1) / 4
        var variance = count * (count + 1) * (2 * count + 1) - zeros * (zeros + 1) * (2 * zeros + 1)
        variance -= tieCorrection(ranked: ranked) / 2
        let se = (variance / 24).squareRoot()
        var z = (rPlus - mean) / se
        if continuityCorrection { z -= (z > 0 ? 1 : (z < 0 ? -1 : 0)) * 0.5 / se }
        let p = min(1, 2 * Statistics.normalSurvival(abs(z)))
        return Result(statistic: statistic, pValue: p, count: n, isExact: false, z: -abs(z))
    }

    /// Σ (t³ − t) over groups of tied |d|, zeros excluded (SciPy excludes them for Pratt too).
    private static func tieCorrection(ranked: [Double]) -> Double {
        var groups: [Double: Int] = [:]
        for v in ranked where v != 0 { groups[abs(v), default: 0] += 1 }
        return groups.values.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
    }

    /// Two-sided p = 2 · min(P(R₊ ≥ r), P(R₊ ≤ r)) under independent random signs of each rank.
    /// Ranks are midranks, so doubled they are integers: the distribution is a subset-sum count.
    static func exactPValue(rPlus: Double, ranks: [Double]) -> Double {
        let doubled = ranks.map { Int(($0 * 2).rounded()) }
        let total = doubled.reduce(0, +)
        var probability = [Double](repeating: 0, count: total + 1)
        probability[0] = 1
        var reach = 0
        for r in doubled {
            // Each rank joins R₊ with probability ½; iterate downwards to reuse one array.
            reach += r
            for s in stride(from: reach, through: 0, by: -1) {
                probability[s] = 0.5 * (probability[s] + (s >= r ? probability[s - r] : 0))
            }
        }
        let observed = Int((rPlus * 2).rounded())
        let lower = probability[0...min(max(observed, 0), total)].reduce(0, +)
        let upper = observed <= total ? probability[max(observed, 0)...total].reduce(0, +) : 0
        return min(1, 2 * min(lower, upper))
    }
}
