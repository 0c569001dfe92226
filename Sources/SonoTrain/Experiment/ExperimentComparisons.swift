import Foundation
import SonoEval
import SonoSupport

/// The statistics that let an experiment conclude: every configuration is scored on the same test
/// images, per-image scores are averaged over seeds, and each configuration is compared with
/// Baseline (and CE+DCM with CE) by a paired bootstrap interval and a Wilcoxon signed-rank test,
/// Holm-corrected across the whole table.
public struct ExperimentComparisons: Sendable, Codable {
    /// Per backbone, configuration and task: the primary metric per seed and the bootstrap std of
    /// the seed-averaged per-image scores.
    public struct Summary: Sendable, Codable {
        public var backbone: String
        public var configuration: PretrainingConfiguration
        public var task: String
        public var perSeed: [Double]
        public var bootstrapStd: Double
        public var images: Int
        public var mean: Double { Statistics.mean(perSeed) }
        /// Sample standard deviation across seeds (0 for a single seed).
        public var seedStd: Double { perSeed.count > 1 ? Statistics.standardDeviation(perSeed, ddof: 1) : 0 }
    }

    public struct Entry: Sendable, Codable {
        public var backbone: String
        public var comparison: PairedComparison
    }

    public var summaries: [Summary]
    public var entries: [Entry]
    public var seeds: Int

    public static let fileName = "comparisons.json"

    /// The pairs every table reports: each configuration against Baseline, and the method against
    /// its metadata-free ablation.
    static func pairs(among configurations: [PretrainingConfiguration]) -> [(PretrainingConfiguration, PretrainingConfiguration)] {
        var pairs = configurations.filter { $0 != .baseline && configurations.contains(.baseline) }.map {
            ($0, PretrainingConfiguration.baseline)
        }
        if configurations.contains(.ceDCM) && configurations.contains(.ce) { pairs.append((.ceDCM, .ce)) }
        return pairs
    }

    /// Reads every evaluation's `per_image.csv` and computes the table's statistics.
    public static func compute(rows: [ExperimentRow], tasks: [ExperimentTaskSpec], resamples: Int, seed: UInt64) throws
        -> ExperimentComparisons
    {
        var summaries: [Summary] = []
        var entries: [Entry] = []
        var seedCount = 1
        for backbone in rows.map(\.backbone.rawValue).reduce(into: [String](), { if !$0.contains($1) { $0.append($1) } }) {
            let mine = rows.filter { $0.backbone.rawValue == backbone }
            for task in tasks {
                var averaged: [PretrainingConfiguration: (ids: [String], scores: [Double])] = [:]
                for row in mine {
                    let results = row.allSeedResults(task.name)
                    guard !results.isEmpty else { continue }
                    seedCount = max(seedCount, results.count)
                    let perImage = try results.map { try PerImageScores.read(result: $0, task: task) }
                    let ids = perImage[0].ids
                    for (k, other) in perImage.enumerated() where other.ids != ids {
                        throw FinetuneError.badRunFile(
                            results[k].run,
                            reason:
                                "scored other test images than seed 0 of \(row.configuration.paperName) (\(other.ids.count) vs \(ids.count)); every configuration and seed must see the same test set"
                        )
                    }
                    let mean = ids.indices.map { i in Statistics.mean(perImage.map { $0.scores[i] }) }
                    averaged[row.configuration] = (ids, mean)
                    let bootstrap = Bootstrap(resamples: resamples, fraction: 0.5, seed: seed)
                    summaries.append(
                        Summary(
                            backbone: backbone, configuration: row.configuration, task: task.name,
                            perSeed: results.map { $0.metric(task.primaryMetric)?.value ?? .nan },
                            bootstrapStd: bootstrap.estimate(mean) { Statistics.mean($0) }.standardDeviation,
                            images: ids.count))
                }
                for (a, b) in pairs(among: mine.map(\.configuration)) {
                    guard let x = averaged[a], let y = averaged[b] else { continue }
                    guard x.ids == y.ids else {
                        throw ExperimentError.invalidPlan(
                            field: ExperimentFile.Key.task.rawValue,
                            reason: "\(task.name): \(a.paperName) and \(b.paperName) were scored on different test images")
                    }
                    entries.append(
                        Entry(
                            backbone: backbone,
                            comparison: try PairedComparison(
                                task: task.name, firstName: a.rawValue, secondName: b.rawValue, first: x.scores, second: y.scores,
                                resamples: max(resamples, 1000), seed: seed)))
                }
            }
        }
        var comparisons = entries.map(\.comparison)
        PairedComparison.holmAdjust(&comparisons)
        for i in entries.indices { entries[i].comparison = comparisons[i] }
        return ExperimentComparisons(summaries: summaries, entries: entries, seeds: seedCount)
    }

    func comparison(backbone: String, task: String, first: PretrainingConfiguration, second: PretrainingConfiguration) -> PairedComparison?
    {
        entries.first {
            $0.backbone == backbone && $0.comparison.task == task && $0.comparison.first == first.rawValue
                && $0.comparison.second == second.rawValue
        }?.comparison
    }

    /// "*" significantly above Baseline, "†" significantly below (Holm, α = 0.05); "‡" CE+DCM
    /// significantly different from CE.
    func mark(backbone: String, configuration: PretrainingConfiguration, task: String) -> String {
        var mark = ""
        if let c = comparison(backbone: backbone, task: task, first: configuration, second: .baseline), c.isSignificant() {
            mark += c.meanDifference > 0 ? "*" : "†"
        }
        if configuration == .ceDCM, let c = comparison(backbone: backbone, task: task, first: .ceDCM, second: .ce), c.isSignificant() {
            mark += "‡"
        }
        return mark
    }

    /// Table 2's cells: mean ± std across seeds, [bootstrap std], mark.
    func cell(backbone: String, configuration: PretrainingConfiguration, task: String) -> Table2.Cell? {
        guard let s = summaries.first(where: { $0.backbone == backbone && $0.configuration == configuration && $0.task == task }),
            s.mean.isFinite
        else { return nil }
        return .seeds(
            mean: s.mean, std: s.seedStd, bootstrapStd: s.bootstrapStd,
            mark: mark(backbone: backbone, configuration: configuration, task: task))
    }

    public static let legend =
        "Cells: mean ± std across seeds of the whole-test-set metric, [bootstrap std of the seed-averaged per-image scores, 50 % resamples]. "
        + "* significantly better than Baseline, † significantly worse, ‡ CE+DCM significantly different from CE "
        + "(paired Wilcoxon signed-rank on per-image scores averaged over seeds, Holm-corrected across the table, α = 0.05)."

    /// One line per comparison, with the interval and both p-values.
    public func table(decimals: Int = 4) -> CSVTable {
        CSVTable(
            header: [
                "backbone", "task", "comparison", "images", "mean difference", "95 % paired bootstrap CI",
                "Wilcoxon p", "Holm p", "significant"
            ],
            rows: entries.map { e in
                let c = e.comparison
                let name = { (raw: String) in PretrainingConfiguration(rawValue: raw)?.paperName ?? raw }
                return [
                    e.backbone, c.task, "\(name(c.first)) − \(name(c.second))", String(c.count),
                    Format.fixed(c.meanDifference, decimals),
                    "[\(Format.fixed(c.lower, decimals)), \(Format.fixed(c.upper, decimals))]",
                    c.pValue.isFinite ? Format.pValue(c.pValue) : "n/a",
                    c.adjustedPValue.map(Format.pValue) ?? "n/a", c.isSignificant() ? "yes" : "no"
                ]
            })
    }

    /// One sentence when nothing is significant, so no reader takes noise for an effect.
    public var verdict: String {
        let significant = entries.filter { $0.comparison.isSignificant() }
        guard !significant.isEmpty else {
            return
                "No difference between configurations is statistically significant (paired Wilcoxon, Holm-corrected, α = 0.05): on this data the table cannot rank them."
        }
        return "\(significant.count) of \(entries.count) comparisons are significant after Holm correction (α = 0.05): "
            + significant.map { e in
                let c = e.comparison
                let name = { (raw: String) in PretrainingConfiguration(rawValue: raw)?.paperName ?? raw }
                return
                    "\(name(c.first)) \(c.meanDifference > 0 ? ">" : "<") \(name(c.second)) on \(c.task) (Δ \(Format.fixed(c.meanDifference, 3)))"
            }.joined(separator: "; ") + "."
    }
}

/// The per-image score behind a task's primary metric: Dice for segmentation, 1/0 for a right or
/// wrong class (accuracy), read from an evaluation's `per_image.csv`.
enum PerImageScores {
    static func read(result: EvaluationResult, task: ExperimentTaskSpec) throws -> (ids: [String], scores: [Double]) {
        let path = URL(fileURLWithPath: result.run).appendingPathComponent("evaluation").appendingPathComponent("per_image.csv").path
        let table: CSVTable
        do { table = try CSVTable.read(path: path) } catch {
            throw FinetuneError.badRunFile(path, reason: "cannot read per-image scores: \(error)")
        }
        func column(_ name: String) throws -> Int {
            guard let i = table.header.firstIndex(of: name) else { throw FinetuneError.badRunFile(path, reason: "no column \(name)") }
            return i
        }
        let id = try column("id")
        var scores: [Double] = []
        switch task.kind {
        case .segmentation:
            let dice = try column("dice")
            scores = table.rows.map { Double($0[dice]) ?? .nan }
        case .classification:
            let truth = try column("truth"), predicted = try column("predicted")
            scores = table.rows.map { $0[truth] == $0[predicted] ? 1 : 0 }
        }
        return (table.rows.map { $0[id] }, scores)
    }
}
