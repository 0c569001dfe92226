import Foundation
import SonoEval
import SonoModels

/// The paper's Figure 6 for one backbone and task: the primary metric of each configuration over
/// repeated low-data fine-tunings, and paired Wilcoxon signed-rank p-values between them.
public struct LowDataResult: Sendable, Codable {
    public var backbone: Backbone
    public var task: String
    public var metric: String
    public var fraction: Double
    /// Configuration raw value → one score per repeat (repeat i uses the same training subset
    /// for every configuration, which is what makes the test paired).
    public var scores: [String: [Double]]
    public var comparisons: [LowDataComparison]
}

public struct LowDataComparison: Sendable, Codable {
    public var first: String
    public var second: String
    public var medianDifference: Double
    public var pValue: Double?
    /// Holm-corrected across every comparison of the experiment (all backbones and tasks).
    public var adjustedPValue: Double?
}

extension ExperimentRunner {
    /// The pairs the paper tests: the method (and its frozen variant) against CE and Baseline.
    static let lowDataPairs: [(PretrainingConfiguration, PretrainingConfiguration)] = [
        (.ceDCM, .ce), (.ceDCM, .baseline), (.ceDCMFrozen, .ce), (.ceDCMFrozen, .baseline), (.ce, .baseline)
    ]

    /// Fine-tunes every configuration `repeats` times on `fraction` of the training images
    /// (subset i drawn with seed base+i, shared by all configurations), evaluates each on the
    /// full test split, and writes `lowdata.json`, `lowdata.md` and the report's box plots.
    @discardableResult
    public func runLowData(fraction: Double, repeats: Int) throws -> [LowDataResult] {
        guard fraction > 0, fraction <= 1 else {
            throw ExperimentError.invalidPlan(field: "fraction", reason: "\(fraction) must be in (0, 1]")
        }
        guard repeats >= 1 else { throw ExperimentError.invalidPlan(field: "repeats", reason: "must be at least 1") }
        let labelMappingHash = try prepare(lowData: (fraction, repeats))
        try ExperimentFile(options, lowData: (fraction, repeats)).write(to: options.out)
        var results: [LowDataResult] = []
        for backbone in options.backbones {
            var encoders: [PretrainingConfiguration: EncoderSource] = [:]
            for configuration in options.configurations {
                let pretrainSeed = configuration.pretrainingMethod.flatMap { layout.sharedPretrainSeed(backbone: backbone, method: $0) }
                let (source, note) = try encoder(
                    for: configuration, backbone: backbone, labelMappingHash: labelMappingHash,
                    seedIndex: pretrainSeed)
                if let source { encoders[configuration] = source } else if let note { log("skipping \(configuration.paperName): \(note)") }
            }
            for task in options.tasks {
                var scores: [String: [Double]] = [:]
                for configuration in options.configurations {
                    guard let source = encoders[configuration] else { continue }
                    for index in 0..<repeats {
                        let run = layout.finetuneRun(backbone: backbone, config: configuration, task: "lowdata-\(task.name)", repeat: index)
                        let result = try finetuneAndEvaluate(
                            task: task, backbone: backbone, configuration: configuration, encoder: source,
                            run: run, trainFraction: fraction, seed: options.seed &+ UInt64(index),
                            labelMappingHash: labelMappingHash)
                        scores[configuration.rawValue, default: []].append(result.metric(task.primaryMetric)?.value ?? .nan)
                    }
                }
                var comparisons: [LowDataComparison] = []
                for (a, b) in Self.lowDataPairs {
                    guard let x = scores[a.rawValue], let y = scores[b.rawValue], x.count == y.count else { continue }
                    let differences = zip(x, y).map { $0 - $1 }
                    comparisons.append(
                        LowDataComparison(
                            first: a.rawValue, second: b.rawValue,
                            medianDifference: median(differences),
                            pValue: ExperimentStatistics.wilcoxonSignedRankP(x, y)))
                }
                results.append(
                    LowDataResult(
                        backbone: backbone, task: task.name, metric: task.primaryMetric,
                        fraction: fraction, scores: scores, comparisons: comparisons))
                Self.holmAdjust(&results)
                try ExperimentReport.writeLowData(results, to: options.out)
            }
        }
        // A Table 2 run earlier into this folder keeps, in the report, its own tasks (not this run's
        // phantom ones as empty columns) and its significance marks.
        let tableRows = (try? ExperimentReport.readRows(from: options.out)) ?? []
        let tableTasks = options.tasks.filter { task in tableRows.contains { $0.results[task.name] != nil } }
        try ExperimentReport.writeHTML(
            rows: tableTasks.isEmpty ? [] : tableRows, tasks: tableTasks, layout: layout, lowData: results,
            comparisons: try? ExperimentReport.readComparisons(from: options.out),
            studyTasks: options.tasks, to: options.out)
        return results
    }

    /// Holm's correction over every comparison of `results`, as Table 2's comparisons get it.
    static func holmAdjust(_ results: inout [LowDataResult]) {
        let flat = results.flatMap { $0.comparisons.map { $0.pValue ?? .nan } }
        var adjusted = MultipleTesting.holm(flat).makeIterator()
        for r in results.indices {
            for c in results[r].comparisons.indices {
                let p = adjusted.next() ?? .nan
                results[r].comparisons[c].adjustedPValue = p.isNaN ? nil : p
            }
        }
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
