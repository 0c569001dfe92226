import Foundation
import SonoData
import SonoEval
import SonoModels
import SonoSupport

/// What an experiment asks of pretraining: one run per backbone and method, in `out`, on the
/// cohort's stored weak labels of mapping `labelMappingHash`.
public struct PretrainRequest: Sendable {
    public var database: String
    public var config: RunConfig
    public var labelMappingHash: String
    public var out: URL
}

/// Settings shared by `experiment table2` and `experiment lowdata`.
public struct ExperimentOptions: Sendable {
    public var database: String
    public var tasks: [ExperimentTaskSpec]
    public var backbones: [Backbone]
    public var configurations: [PretrainingConfiguration]
    public var out: URL
    /// A labels.yaml to relabel the cohort with before anything runs (as `sonotag labels
    /// --labels FILE`); nil trains on the labels already stored in it.
    public var labels: String?
    /// torchvision ImageNet weights per backbone (safetensors); a missing entry skips that row.
    public var imagenetWeights: [Backbone: String] = [:]
    public var height = 256
    public var width = 384
    public var pretrainEpochs: Int?
    public var pretrainBatchSize: Int?
    public var pretrainMaxImages: Int?
    /// Fine-tuning epochs; nil keeps Table A2's.
    public var finetuneEpochs: Int?
    public var finetuneBatchSize: Int?
    public var finetuneMaxImages: Int?
    /// Fine-tuning learning rate; nil keeps Table A2's.
    public var finetuneLearningRate: Double?
    /// U-Net decoder base width; nil keeps 32.
    public var decoderBaseWidth: Int?
    public var seed: UInt64 = 0
    public var device = "cpu"
    public var threads: Int?
    public var resamples = 1000
    public var overlays = 8
    /// Independent repetitions of pretraining and fine-tuning (seed, seed+1, …); every repetition
    /// is scored on the same test images.
    public var seeds = 1
    public private(set) var pretrainPreset: PretrainPreset = .sonotag
    /// YAML with pretraining settings on top of the preset (same keys as `sonotag pretrain --config`), as given.
    public private(set) var pretrainConfigPath: String?
    /// The preset with that file laid over it: read once, when the options are set, so a typo
    /// fails before any work and every sub-run plans from the same settings.
    public private(set) var pretrainBase = PretrainPreset.sonotag.config

    /// Pretraining starts from `preset`, with the YAML file at `configPath` (if any) on top.
    public mutating func setPretraining(preset: PretrainPreset, configPath: String?) throws {
        pretrainPreset = preset
        // Absolute, so the recorded experiment file reads back from any directory.
        pretrainConfigPath = configPath.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        pretrainBase = try configPath.map { try RunConfig.load(from: URL(fileURLWithPath: $0), base: preset.config) } ?? preset.config
    }

    public init(
        database: String, tasks: [ExperimentTaskSpec], backbones: [Backbone],
        configurations: [PretrainingConfiguration], out: URL
    ) {
        self.database = database
        self.tasks = tasks
        self.backbones = backbones
        self.configurations = configurations
        self.out = out
    }
}

/// One cell group of Table 2: a backbone and configuration, with each task's evaluation or
/// the reason it has none (e.g. no ImageNet weights given).
public struct ExperimentRow: Sendable, Codable {
    public var backbone: Backbone
    public var configuration: PretrainingConfiguration
    /// Seed 0's evaluation per task (what a single-seed table shows).
    public var results: [String: EvaluationResult]
    public var note: String?
    /// Every seed's evaluation per task, in seed order (absent in single-seed experiments).
    public var seedResults: [String: [EvaluationResult]]?

    /// The evaluations of `task` over all seeds.
    public func allSeedResults(_ task: String) -> [EvaluationResult] {
        if let all = seedResults?[task], !all.isEmpty { return all }
        return results[task].map { [$0] } ?? []
    }
}

/// Runs the paper's Table 2 grid. Every step leaves its output in the experiment folder and is
/// skipped when that output is complete, so an interrupted experiment resumes where it stopped.
public struct ExperimentRunner {
    public var options: ExperimentOptions
    /// Runs one pretraining; `pretrainOnCohort` by default (tests may substitute a quicker one).
    public var pretrain: (PretrainRequest) throws -> Void
    public var log: (String) -> Void
    /// Numbers each sub-run in the whole plan as it starts (nil: no plan-level lines).
    public var progress: ExperimentProgress?
    /// Whether `pretrain` trains on the manifest's patient split, so that a manifest without one
    /// is refused before any work (a substitute that reads no split turns it off).
    public var pretrainingNeedsSplit = true

    public init(
        options: ExperimentOptions, pretrain: @escaping (PretrainRequest) throws -> Void = ExperimentRunner.pretrainOnCohort,
        log: @escaping (String) -> Void
    ) {
        self.options = options
        self.pretrain = pretrain
        self.log = log
    }

    var layout: ExperimentLayout { ExperimentLayout(root: options.out) }

    /// Pretraining as `sonotag pretrain --db` runs it, on the cohort's stored train/val split and
    /// weak labels; resumes a run that was interrupted.
    public static func pretrainOnCohort(_ request: PretrainRequest) throws {
        let (train, validation) = try openCohort(db: request.database, config: request.config)
        guard train.labelMappingHash == request.labelMappingHash else {
            throw ExperimentError.labelsChanged(run: request.out.path, expected: request.labelMappingHash, found: train.labelMappingHash)
        }
        let resume = FileManager.default.fileExists(atPath: PretrainRunLayout(request.out).lastCheckpoint.path)
        _ = try SonoTrain.pretrain(
            config: request.config, train: train, validation: validation, runDirectory: request.out, resume: resume,
            progress: ProgressReporter(style: .lines, lineEvery: 50))
    }

    /// Marker written after a pretraining run finished, so a half-done run is resumed, not reused.
    static let pretrainDoneMarker = "experiment-done"

    /// The pretraining a configuration needs on `backbone`: the preset (SonoTag's defaults or the
    /// paper's), the experiment's pretraining YAML on top, then its overrides; seed index K adds K
    /// to the seed. Nil for configurations without pretraining.
    func pretrainConfig(for configuration: PretrainingConfiguration, backbone: Backbone, seedIndex: Int? = nil) throws -> RunConfig? {
        guard let method = configuration.pretrainingMethod else { return nil }
        var config = options.pretrainBase
        config.method = method
        config.backbone = backbone
        config.height = options.height
        config.width = options.width
        if let epochs = options.pretrainEpochs { config.epochs = epochs }
        if let batch = options.pretrainBatchSize { config.batchSize = batch }
        config.maxImages = options.pretrainMaxImages
        config.seed = options.seed &+ UInt64(seedIndex ?? 0)
        config.device = options.device
        config.threads = options.threads
        return config
    }

    /// The recorded settings of a configuration's pretraining sub-run, as planned now.
    func pretrainSettings(
        for configuration: PretrainingConfiguration, backbone: Backbone, labelMappingHash: String?,
        seedIndex: Int? = nil
    ) throws -> SubRunSettings? {
        guard let config = try pretrainConfig(for: configuration, backbone: backbone, seedIndex: seedIndex), let labelMappingHash else {
            return nil
        }
        return .pretraining(config, database: options.database, labelMappingHash: labelMappingHash)
    }

    /// The encoder a configuration fine-tunes from, pretraining it first when needed.
    func encoder(
        for configuration: PretrainingConfiguration, backbone: Backbone, labelMappingHash: String?,
        seedIndex: Int? = nil
    ) throws -> (EncoderSource?, String?) {
        switch configuration {
        case .baseline:
            return (.random, nil)
        case .imagenet:
            guard let path = options.imagenetWeights[backbone] else {
                return (
                    nil,
                    "no ImageNet weights given for \(backbone.rawValue) (pass --imagenet \(backbone.rawValue)=PATH.safetensors, converted from torchvision)"
                )
            }
            return (.imagenet(path), nil)
        case .dcm, .ce, .ceDCM, .ceDCMFrozen:
            guard let method = configuration.pretrainingMethod,
                let config = try pretrainConfig(for: configuration, backbone: backbone, seedIndex: seedIndex),
                let labelMappingHash,
                let settings = try pretrainSettings(
                    for: configuration, backbone: backbone, labelMappingHash: labelMappingHash, seedIndex: seedIndex)
            else {
                // `prepare` resolves the labels whenever a configuration pretrains; never fall back to a random encoder.
                throw ExperimentError.invalidPlan(
                    field: "labels", reason: "\(configuration.paperName) needs pretraining, and no weak labels were resolved")
            }
            let run = layout.pretrainRun(backbone: backbone, method: method, seed: seedIndex)
            let marker = run.appendingPathComponent(Self.pretrainDoneMarker)
            let what = "pretraining \(method.rawValue) · \(backbone.rawValue)\(seedIndex.map { " · seed \($0)" } ?? "")"
            let reused = FileManager.default.fileExists(atPath: marker.path)
            progress?.begin(what, folder: run, reused: reused)
            if !reused {
                log("pretraining \(method.rawValue) on \(backbone.rawValue) → \(run.path)")
                try settings.write(to: run)
                try pretrain(PretrainRequest(database: options.database, config: config, labelMappingHash: labelMappingHash, out: run))
                try AtomicFile.write(Data("done\n".utf8), to: marker)
            }
            return (.pretrained(run.path), nil)
        }
    }

    /// The fine-tuning of one task as planned, with the settings its sub-run records.
    func finetunePlan(
        task: ExperimentTaskSpec, backbone: Backbone, configuration: PretrainingConfiguration, encoder: EncoderSource,
        trainFraction: Double, seed: UInt64, labelMappingHash: String?,
        seedIndex: Int? = nil
    ) throws -> (FinetuneConfig, EvaluationOptions, SubRunSettings) {
        var config = FinetuneConfig.paperDefaults(task: task.kind, taskName: task.name, backbone: backbone)
        config.data = task.path
        config.encoder = encoder
        config.freezeEncoder = configuration.freezesEncoder
        config.height = options.height
        config.width = options.width
        if let epochs = options.finetuneEpochs { config.epochs = epochs }
        if let batch = options.finetuneBatchSize { config.batchSize = batch }
        config.maxImages = options.finetuneMaxImages
        if let rate = options.finetuneLearningRate { config.learningRate = rate }
        if let width = options.decoderBaseWidth { config.decoderBaseWidth = width }
        config.trainFraction = trainFraction
        config.seed = seed
        config.device = options.device
        config.threads = options.threads
        var evaluation = EvaluationOptions()
        evaluation.split = .test
        evaluation.resamples = options.resamples
        evaluation.overlays = options.overlays
        evaluation.seed = options.seed
        evaluation.threads = options.threads
        let settings = try SubRunSettings.finetuning(
            config,
            encoderSettings: try pretrainSettings(
                for: configuration, backbone: backbone, labelMappingHash: labelMappingHash,
                seedIndex: seedIndex),
            evaluation: evaluation)
        return (config, evaluation, settings)
    }

    /// Fine-tunes (resuming a partial run) and evaluates one task; reuses a finished evaluation.
    func finetuneAndEvaluate(
        task: ExperimentTaskSpec, backbone: Backbone, configuration: PretrainingConfiguration,
        encoder: EncoderSource, run: URL, trainFraction: Double = 1, seed: UInt64,
        labelMappingHash: String?, seedIndex: Int? = nil
    ) throws -> EvaluationResult {
        let evaluationFolder = run.appendingPathComponent("evaluation")
        let (config, evaluation, settings) = try finetunePlan(
            task: task, backbone: backbone, configuration: configuration, encoder: encoder,
            trainFraction: trainFraction, seed: seed, labelMappingHash: labelMappingHash,
            seedIndex: seedIndex)
        let what =
            "fine-tuning \(task.name) · \(backbone.rawValue) · \(configuration.paperName)"
            + (seedIndex.map { " · seed \($0)" } ?? "")
            + (trainFraction < 1 ? " · \(run.lastPathComponent) at \(trainFraction) of the training images" : "")
        if let done = try? EvaluationResult.read(from: evaluationFolder) {
            progress?.begin(what, folder: run, reused: true)
            return done
        }
        progress?.begin(what, folder: run)
        let resume = FileManager.default.fileExists(atPath: run.appendingPathComponent(FinetuneConfig.fileName).path)
        log("fine-tuning \(task.name) · \(backbone.rawValue) · \(configuration.paperName)\(resume ? " (resuming)" : "")")
        try settings.write(to: run)
        _ = try FinetuneRun.train(config: config, out: run, resume: resume, log: { self.log("  " + $0) })
        return try Evaluation.evaluate(run: run, options: evaluation, log: { self.log("  " + $0) })
    }

    /// Every sub-run folder the plan would use, with the settings it would record there.
    /// `lowData` adds the repeated low-data fine-tunings instead of the Table 2 ones.
    func plannedSubRuns(labelMappingHash: String?, lowData: (fraction: Double, repeats: Int)?) throws -> [(
        folder: URL, settings: SubRunSettings
    )] {
        var planned: [(URL, SubRunSettings)] = []
        // Low-data runs use one pretraining (the single-seed layout); Table 2 repeats every seed.
        let seedIndices: [Int?] = lowData == nil && options.seeds > 1 ? Array(0..<options.seeds) : [nil]
        for backbone in options.backbones {
            for configuration in options.configurations {
                for seedIndex in seedIndices {
                    let encoder: EncoderSource
                    switch configuration {
                    case .baseline: encoder = .random
                    case .imagenet:
                        guard let path = options.imagenetWeights[backbone] else { continue }
                        encoder = .imagenet(path)
                    default:
                        guard let method = configuration.pretrainingMethod else { continue }
                        let pretrainSeed = lowData == nil ? seedIndex : layout.sharedPretrainSeed(backbone: backbone, method: method)
                        guard
                            let settings = try pretrainSettings(
                                for: configuration, backbone: backbone, labelMappingHash: labelMappingHash,
                                seedIndex: pretrainSeed)
                        else { continue }
                        let run = layout.pretrainRun(backbone: backbone, method: method, seed: pretrainSeed)
                        if !planned.contains(where: { $0.0 == run }) { planned.append((run, settings)) }
                        encoder = .pretrained(run.path)
                    }
                    for task in options.tasks {
                        let runs: [(URL, Double, UInt64)]
                        if let lowData {
                            runs = (0..<lowData.repeats).map {
                                (
                                    layout.finetuneRun(backbone: backbone, config: configuration, task: "lowdata-\(task.name)", repeat: $0),
                                    lowData.fraction, options.seed &+ UInt64($0)
                                )
                            }
                        } else {
                            runs = [
                                (
                                    layout.finetuneRun(backbone: backbone, config: configuration, task: task.name, seed: seedIndex), 1,
                                    options.seed &+ UInt64(seedIndex ?? 0)
                                )
                            ]
                        }
                        for (run, fraction, seed) in runs {
                            let (_, _, settings) = try finetunePlan(
                                task: task, backbone: backbone, configuration: configuration, encoder: encoder,
                                trainFraction: fraction, seed: seed, labelMappingHash: labelMappingHash,
                                seedIndex: seedIndex)
                            planned.append((run, settings))
                        }
                    }
                }
            }
        }
        return planned
    }

    /// How many sub-runs the plan has (what `progress` counts to). The folders do not depend on
    /// the weak labels, so any mapping hash gives the count.
    public func planSize(lowData: (fraction: Double, repeats: Int)? = nil) throws -> Int {
        try plannedSubRuns(labelMappingHash: "", lowData: lowData).count
    }

    /// Before any work: the weak labels to train on (relabelling the cohort if asked, after the
    /// checks), and every existing sub-run checked against the plan. Returns the mapping hash.
    func prepare(lowData: (fraction: Double, repeats: Int)? = nil) throws -> String? {
        let needsLabels = options.configurations.contains { $0.pretrainingMethod != nil }
        // What would otherwise fail only after every Baseline has trained: checked now.
        // Every task's folder, labels.csv and masks are found (no image is read), so a typo in
        // the last task does not wait for every pretraining and the first tasks' fine-tunings.
        for task in options.tasks {
            do {
                _ = try DownstreamDataset.discover(at: URL(fileURLWithPath: task.path), options: DownstreamLayoutOptions(task: task.kind))
            } catch {
                throw ExperimentError.invalidPlan(field: "task", reason: "\(task.name) (\(task.kind.rawValue), \(task.path)): \(error)")
            }
        }
        if options.configurations.contains(.imagenet) {
            for (backbone, path) in options.imagenetWeights.sorted(by: { $0.key.rawValue < $1.key.rawValue })
            where options.backbones.contains(backbone) && !FileManager.default.isReadableFile(atPath: path) {
                throw ExperimentError.invalidPlan(field: "imagenet", reason: "\(backbone.rawValue)=\(path): no such readable file")
            }
        }
        if needsLabels, pretrainingNeedsSplit, try ManifestDatabase(path: options.database).splitHash() == nil {
            throw ExperimentError.invalidPlan(
                field: "db",
                reason:
                    "\(options.database) has no patient split, which pretraining needs; run `sonotag split --db \(options.database)` first")
        }
        var labelMappingHash: String?
        var mapping: LabelMapping?
        if needsLabels {
            if let path = options.labels {
                mapping = try LabelMapping.chosen(path: path)
                labelMappingHash = mapping?.hash
            } else {
                // ManifestDatabase names a missing file with the command that creates it.
                labelMappingHash = try ManifestDatabase(path: options.database).weakLabels().mappingHash
            }
        }
        var changed: [(run: String, differences: [SettingDifference])] = []
        for (folder, planned) in try plannedSubRuns(labelMappingHash: labelMappingHash, lowData: lowData) {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            guard !contents.isEmpty else { continue }
            guard let recorded = try SubRunSettings.read(from: folder) else {
                changed.append(
                    (folder.path, [SettingDifference(key: "settings_hash", recorded: "(none recorded)", requested: planned.hash)]))
                continue
            }
            let differences = recorded.differences(from: planned)
            if !differences.isEmpty { changed.append((folder.path, differences)) }
        }
        guard changed.isEmpty else { throw ExperimentError.settingsChanged(changed) }
        if let mapping {
            let report = try relabel(db: options.database, with: mapping)
            log(
                "labels: stored mapping \(report.mappingHash.prefix(12)) (\(options.labels ?? ""), K = \(report.groupNames.count)) for \(report.labelledFiles) ok images"
            )
        }
        return labelMappingHash
    }

    /// Runs (or resumes) the whole grid and writes Table 2 and the report into the experiment folder.
    /// With `seeds` > 1, pretraining and fine-tuning are repeated with seeds seed … seed+N−1 (runs
    /// in `seed-K` folders); Table 2 then shows mean ± std across seeds.
    @discardableResult
    public func runTable2() throws -> [ExperimentRow] {
        guard options.seeds >= 1 else { throw ExperimentError.invalidPlan(field: "seeds", reason: "must be at least 1") }
        let labelMappingHash = try prepare()
        try ExperimentFile(options).write(to: options.out)
        var rows: [ExperimentRow] = []
        for backbone in options.backbones {
            for configuration in options.configurations {
                var row = ExperimentRow(backbone: backbone, configuration: configuration, results: [:], note: nil)
                var perSeed: [String: [EvaluationResult]] = [:]
                for index in 0..<options.seeds {
                    let seedIndex = options.seeds > 1 ? index : nil
                    let (source, note) = try encoder(
                        for: configuration, backbone: backbone, labelMappingHash: labelMappingHash, seedIndex: seedIndex)
                    row.note = note
                    guard let source else {
                        if let note { log("skipping \(configuration.paperName) on \(backbone.rawValue): \(note)") }
                        break
                    }
                    for task in options.tasks {
                        let run = layout.finetuneRun(backbone: backbone, config: configuration, task: task.name, seed: seedIndex)
                        let result = try finetuneAndEvaluate(
                            task: task, backbone: backbone, configuration: configuration,
                            encoder: source, run: run, seed: options.seed &+ UInt64(index),
                            labelMappingHash: labelMappingHash, seedIndex: seedIndex)
                        perSeed[task.name, default: []].append(result)
                        if index == 0 { row.results[task.name] = result }
                    }
                }
                if options.seeds > 1 { row.seedResults = perSeed }
                rows.append(row)
                // Tables after every row, so a long experiment shows its progress.
                try ExperimentReport.writeTable2(
                    rows: rows, tasks: options.tasks, to: options.out,
                    comparisons: try? comparisons(rows))
            }
        }
        let final = try comparisons(rows)
        try ExperimentReport.writeTable2(rows: rows, tasks: options.tasks, to: options.out, comparisons: final)
        try ExperimentReport.writeHTML(rows: rows, tasks: options.tasks, layout: layout, lowData: nil, comparisons: final, to: options.out)
        return rows
    }

    func comparisons(_ rows: [ExperimentRow]) throws -> ExperimentComparisons {
        try ExperimentComparisons.compute(rows: rows, tasks: options.tasks, resamples: options.resamples, seed: options.seed)
    }
}
