import SeededRandom

/// Bootstrap estimates as the paper reports them: the metric is computed on `resamples` samples
/// of `fraction` of the test set drawn with replacement, and summarised by mean ± standard
/// deviation over resamples. Seeded, so a run reproduces exactly.
public struct Bootstrap: Sendable {
    public var resamples: Int
    public var fraction: Double
    public var seed: UInt64

    public init(resamples: Int = 1000, fraction: Double = 0.5, seed: UInt64 = 0) {
        self.resamples = resamples
        self.fraction = fraction
        self.seed = seed
    }

    /// Items drawn per resample for a test set of `count` records (at least 1).
    public func sampleSize(for count: Int) -> Int {
        max(1, Int((fraction * Double(count)).rounded()))
    }

    /// The record indices of every resample. The same seed and count give the same indices, so
    /// several metrics (or several models on the same test set) can share them for paired comparisons.
    public func resampleIndices(count: Int) -> [[Int]] {
        guard count > 0, resamples > 0 else { return [] }
        var generator = SplitMix64(seed: seed)
        let m = sampleSize(for: count)
        return (0..<resamples).map { _ in (0..<m).map { _ in generator.nextIndex(below: count) } }
    }

    /// Mean ± std of `metric` over resamples of `records`. Resamples where the metric is
    /// undefined (NaN, e.g. AUC of a one-class sample) are left out and counted.
    public func estimate<Record>(_ records: [Record], metric: ([Record]) -> Double) -> BootstrapEstimate {
        let values = resampleIndices(count: records.count).map { indices in metric(indices.map { records[$0] }) }
        return BootstrapEstimate(values: values, pointEstimate: records.isEmpty ? .nan : metric(records))
    }

    /// Several named metrics on the same resamples.
    public func estimate<Record>(_ records: [Record], metrics: [(name: String, metric: ([Record]) -> Double)]) -> [String:
        BootstrapEstimate]
    {
        let samples = resampleIndices(count: records.count).map { indices in indices.map { records[$0] } }
        var out: [String: BootstrapEstimate] = [:]
        for (name, metric) in metrics {
            out[name] = BootstrapEstimate(values: samples.map(metric), pointEstimate: records.isEmpty ? .nan : metric(records))
        }
        return out
    }
}

/// A bootstrap distribution and its summary.
public struct BootstrapEstimate: Equatable, Sendable, CustomStringConvertible {
    /// Metric on every defined resample, in resample order.
    public let values: [Double]
    /// Resamples where the metric was undefined.
    public let undefinedCount: Int
    /// The metric on the whole test set.
    public let pointEstimate: Double
    public let mean: Double
    /// Population standard deviation over resamples (NumPy's default, ddof = 0).
    public let standardDeviation: Double

    public init(values all: [Double], pointEstimate: Double) {
        values = all.filter { !$0.isNaN }
        undefinedCount = all.count - values.count
        self.pointEstimate = pointEstimate
        mean = Statistics.mean(values)
        standardDeviation = Statistics.standardDeviation(values)
    }

    /// Percentile interval, e.g. `interval(0.95)` for the 2.5th and 97.5th percentiles.
    public func interval(_ level: Double = 0.95) -> ClosedRange<Double>? {
        guard !values.isEmpty else { return nil }
        let tail = (1 - level) / 2 * 100
        return Statistics.percentile(values, tail)...Statistics.percentile(values, 100 - tail)
    }

    /// "0.801 ± 0.011" with `decimals` places, the paper's cell format; "n/a" when undefined.
    public func formatted(decimals: Int = 3) -> String {
        guard !mean.isNaN else { return "n/a" }
        return "\(Format.fixed(mean, decimals)) ± \(Format.fixed(standardDeviation, decimals))"
    }

    public var description: String { formatted() }
}
