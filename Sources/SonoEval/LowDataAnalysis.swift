import SonoSupport

/// The low-data experiment's summary (the paper's Figure 6): per configuration, one metric value
/// per repeat (repeat r of every configuration trained on the same data subset), box plots, and
/// paired Wilcoxon signed-rank tests between chosen configurations.
public struct LowDataAnalysis: Sendable {
    public struct Comparison: Sendable {
        public let first: String
        public let second: String
        /// Mean over repeats of (first − second).
        public let meanDifference: Double
        public let test: Wilcoxon.Result
    }

    public let groups: [BoxPlot.Group]
    public let comparisons: [Comparison]

    /// `results` maps configuration names to per-repeat values, in display order; `pairs` names
    /// the configurations to compare. Throws when a name is unknown or repeat counts differ.
    public init(results: [(configuration: String, values: [Double])], pairs: [(String, String)]) throws {
        groups = results.map { BoxPlot.Group(name: $0.configuration, values: $0.values) }
        var comparisons: [Comparison] = []
        for (a, b) in pairs {
            guard let x = results.first(where: { $0.configuration == a })?.values else {
                throw EvaluationError.invalidInput("no results for configuration \"\(a)\"")
            }
            guard let y = results.first(where: { $0.configuration == b })?.values else {
                throw EvaluationError.invalidInput("no results for configuration \"\(b)\"")
            }
            guard x.count == y.count else {
                throw EvaluationError.sizeMismatch("\(a) has \(x.count) repeats, \(b) has \(y.count); tests pair repeats")
            }
            let test = try Wilcoxon.signedRank(x, y)
            comparisons.append(Comparison(first: a, second: b, meanDifference: Statistics.mean(zip(x, y).map { $0 - $1 }), test: test))
        }
        self.comparisons = comparisons
    }

    /// Box plots with a bracket and p-value for each comparison.
    public func boxPlot(title: String, yLabel: String) -> BoxPlot {
        let names = groups.map(\.name)
        let brackets = comparisons.compactMap { c -> BoxPlot.Comparison? in
            guard let i = names.firstIndex(of: c.first), let j = names.firstIndex(of: c.second) else { return nil }
            return BoxPlot.Comparison(first: i, second: j, label: Format.pValue(c.test.pValue))
        }
        return BoxPlot(title: title, yLabel: yLabel, groups: groups, comparisons: brackets)
    }

    /// One line per comparison: the two configurations, repeats, mean difference, W and p.
    public func table() -> CSVTable {
        CSVTable(
            header: ["first", "second", "repeats", "mean_difference", "wilcoxon_statistic", "p_value", "method"],
            rows: comparisons.map { c in
                [
                    c.first, c.second, String(c.test.count), Format.fixed(c.meanDifference, 4), Format.fixed(c.test.statistic, 1),
                    c.test.pValue.isNaN ? "n/a" : Format.fixed(c.test.pValue, 4), c.test.isExact ? "exact" : "normal approximation"
                ]
            })
    }

    /// Mean ± std per configuration over repeats.
    public func summaryTable(decimals: Int = 3) -> CSVTable {
        CSVTable(
            header: ["configuration", "repeats", "mean ± std", "median"],
            rows: groups.map { g in
                [
                    g.name, String(g.values.count),
                    "\(Format.fixed(Statistics.mean(g.values), decimals)) ± \(Format.fixed(Statistics.standardDeviation(g.values), decimals))",
                    Format.fixed(Statistics.median(g.values), decimals)
                ]
            })
    }
}
