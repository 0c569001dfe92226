import Foundation
import SonoEval
import SonoData
import SonoModels

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

    public init(database: String, tasks: [ExperimentTaskSpec], backbones: [Backbone],
                configurations: [PretrainingConfiguration], out: URL) {
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
    public var results: [String: EvaluationResult]
    public var note: String?
}

/// Runs the paper's Table 2 grid. Every step leaves its output in the experiment folder and is
/// skipped when that output is complete, so an interrupted experiment resumes where it stopped.
public struct ExperimentRunner {
    public var options: ExperimentOptions
    /// Runs one pretraining; `pretrainOnCohort` by default (tests may substitute a quicker one).
    public var pretrain: (PretrainRequest) throws -> Void
    public var log: (String) -> Void

    public init(options: ExperimentOptions, pretrain: @escaping (PretrainRequest) throws -> Void = ExperimentRunner.pretrainOnCohort,
                log: @escaping (String) -> Void) {
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
        _ = try SonoTrain.pretrain(config: request.config, train: train, validation: validation, runDirectory: request.out, resume: resume,
                                   progress: ProgressReporter(style: .lines, lineEvery: 50))
    }

    /// Marker written after a pretraining run finished, so a half-done run is resumed, not reused.
    static let pretrainDoneMarker = "experiment-done"

    /// The pretraining a configuration needs on `backbone`: the paper's defaults with the
    /// experiment's overrides. Nil for configurations without pretraining.
    func pretrainConfig(for configuration: PretrainingConfiguration, backbone: Backbone) -> RunConfig? {
        guard let method = configuration.pretrainingMethod else { return nil }
        var config = RunConfig()
        config.method = method
        config.backbone = backbone
        config.height = options.height
        config.width = options.width
        if let epochs = options.pretrainEpochs { config.epochs = epochs }
        if let batch = options.pretrainBatchSize { config.batchSize = batch }
        config.maxImages = options.pretrainMaxImages
        config.seed = options.seed
        config.device = options.device
        config.threads = options.threads
        return config
    }

    /// The recorded settings of a configuration's pretraining sub-run, as planned now.
    func pretrainSettings(for configuration: PretrainingConfiguration, backbone: Backbone, labelMappingHash: String?) -> SubRunSettings? {
        guard let config = pretrainConfig(for: configuration, backbone: backbone), let labelMappingHash else { return nil }
        return .pretraining(config, database: options.database, labelMappingHash: labelMappingHash)
    }

    /// The encoder a configuration fine-tunes from, pretraining it first when needed.
    func encoder(for configuration: PretrainingConfiguration, backbone: Backbone, labelMappingHash: String?) throws -> (EncoderSource?, String?) {
        switch configuration {
        case .baseline:
            return (.random, nil)
        case .imagenet:
            guard let path = options.imagenetWeights[backbone] else {
                return (nil, "no ImageNet weights given for \(backbone.rawValue) (pass --imagenet \(backbone.rawValue)=PATH.safetensors, converted from torchvision)")
            }
            return (.imagenet(path), nil)
        case .dcm, .ce, .ceDCM, .ceDCMFrozen:
            guard let method = configuration.pretrainingMethod, let config = pretrainConfig(for: configuration, backbone: backbone),
                  let labelMappingHash, let settings = pretrainSettings(for: configuration, backbone: backbone, labelMappingHash: labelMappingHash)
            else {
                // `prepare` resolves the labels whenever a configuration pretrains; never fall back to a random encoder.
                throw ExperimentError.invalidPlan(field: "labels", reason: "\(configuration.paperName) needs pretraining, and no weak labels were resolved")
            }
            let run = layout.pretrainRun(backbone: backbone, method: method)
            let marker = run.appendingPathComponent(Self.pretrainDoneMarker)
            if !FileManager.default.fileExists(atPath: marker.path) {
                log("pretraining \(method.rawValue) on \(backbone.rawValue) → \(run.path)")
                try settings.write(to: run)
                try pretrain(PretrainRequest(database: options.database, config: config, labelMappingHash: labelMappingHash, out: run))
                try FinetuneFiles.atomicWrite(Data("done\n".utf8), to: marker)
            }
            return (.pretrained(run.path), nil)
        }
    }

    /// The fine-tuning of one task as planned, with the settings its sub-run records.
    func finetunePlan(task: ExperimentTaskSpec, backbone: Backbone, configuration: PretrainingConfiguration, encoder: EncoderSource,
                      trainFraction: Double, seed: UInt64, labelMappingHash: String?) throws -> (FinetuneConfig, EvaluationOptions, SubRunSettings) {
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
            config, encoderSettings: pretrainSettings(for: configuration, backbone: backbone, labelMappingHash: labelMappingHash),
            evaluation: evaluation)
        return (config, evaluation, settings)
    }

    /// Fine-tunes (resuming a partial run) and evaluates one task; reuses a finished evaluation.
    func finetuneAndEvaluate(task: ExperimentTaskSpec, backbone: Backbone, configuration: PretrainingConfiguration,
                             encoder: EncoderSource, run: URL, trainFraction: Double = 1, seed: UInt64,
                             labelMappingHash: String?) throws -> EvaluationResult {
        let evaluationFolder = run.appendingPathComponent("evaluation")
        let (config, evaluation, settings) = try finetunePlan(task: task, backbone: backbone, configuration: configuration, encoder: encoder,
                                                              trainFraction: trainFraction, seed: seed, labelMappingHash: labelMappingHash)
        if let done = try? EvaluationResult.read(from: evaluationFolder) { return done }
        let resume = FileManager.default.fileExists(atPath: run.appendingPathComponent(FinetuneConfig.fileName).path)
        log("fine-tuning \(task.name) · \(backbone.rawValue) · \(configuration.paperName)\(resume ? " (resuming)" : "")")
        try settings.write(to: run)
        _ = try FinetuneRun.train(config: config, out: run, resume: resume, log: { self.log("  " + $0) })
        return try Evaluation.evaluate(run: run, options: evaluation, log: { self.log("  " + $0) })
    }

    /// Every sub-run folder the plan would use, with the settings it would record there.
    /// `lowData` adds the repeated low-data fine-tunings instead of the Table 2 ones.
    func plannedSubRuns(labelMappingHash: String?, lowData: (fraction: Double, repeats: Int)?) throws -> [(folder: URL, settings: SubRunSettings)] {
        var planned: [(URL, SubRunSettings)] = []
        for backbone in options.backbones {
            for configuration in options.configurations {
                let encoder: EncoderSource
                switch configuration {
                case .baseline: encoder = .random
                case .imagenet:
                    guard let path = options.imagenetWeights[backbone] else { continue }
                    encoder = .imagenet(path)
                default:
                    guard let method = configuration.pretrainingMethod,
                          let settings = pretrainSettings(for: configuration, backbone: backbone, labelMappingHash: labelMappingHash) else { continue }
                    let run = layout.pretrainRun(backbone: backbone, method: method)
                    if !planned.contains(where: { $0.0 == run }) { planned.append((run, settings)) }
                    encoder = .pretrained(run.path)
                }
                for task in options.tasks {
                    let runs: [(URL, Double, UInt64)]
                    if let lowData {
                        runs = (0..<lowData.repeats).map {
                            (layout.finetuneRun(backbone: backbone, config: configuration, task: "lowdata-\(task.name)", repeat: $0),
                             lowData.fraction, options.seed &+ UInt64($0))
                        }
                    } else {
                        runs = [(layout.finetuneRun(backbone: backbone, config: configuration, task: task.name), 1, options.seed)]
                    }
                    for (run, fraction, seed) in runs {
                        let (_, _, settings) = try finetunePlan(task: task, backbone: backbone, configuration: configuration, encoder: encoder,
                                                                trainFraction: fraction, seed: seed, labelMappingHash: labelMappingHash)
                        planned.append((run, settings))
                    }
                }
            }
        }
        return planned
    }

    /// Before any work: the weak labels to train on (relabelling the cohort if asked, after the
    /// checks), and every existing sub-run checked against the plan. Returns the mapping hash.
    func prepare(lowData: (fraction: Double, repeats: Int)? = nil) throws -> String? {
        let needsLabels = options.configurations.contains { $0.pretrainingMethod != nil }
        var labelMappingHash: String?
        var mapping: LabelMapping?
        if needsLabels {
            if let path = options.labels {
                mapping = try LabelMapping.chosen(path: path)
                labelMappingHash = mapping?.hash
            } else {
                guard FileManager.default.fileExists(atPath: options.database) else {
                    throw PretrainError.io(path: options.database, reason: "no such cohort database; create it with `sonotag index DIR --db \(options.database)`")
                }
                labelMappingHash = try ManifestDatabase(path: options.database).weakLabels().mappingHash
            }
        }
        var changed: [(run: String, differences: [SettingDifference])] = []
        for (folder, planned) in try plannedSubRuns(labelMappingHash: labelMappingHash, lowData: lowData) {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            guard !contents.isEmpty else { continue }
            guard let recorded = try SubRunSettings.read(from: folder) else {
                changed.append((folder.path, [SettingDifference(key: "settings_hash", recorded: "(none recorded)", requested: planned.hash)]))
                continue
            }
            let differences = recorded.differences(from: planned)
            if !differences.isEmpty { changed.append((folder.path, differences)) }
        }
        guard changed.isEmpty else { throw ExperimentError.settingsChanged(changed) }
        if let mapping {
            let report = try relabel(db: options.database, with: mapping)
            log("labels: stored mapping \(report.mappingHash.prefix(12)) (\(options.labels ?? ""), K = \(report.groupNames.count)) for \(report.labelledFiles) ok images")
        }
        return labelMappingHash
    }

    /// Runs (or resumes) the whole grid and writes Table 2 and the report into the experiment folder.
    @discardableResult
    public func runTable2() throws -> [ExperimentRow] {
        let labelMappingHash = try prepare()
        try ExperimentFile(options).write(to: options.out)
        var rows: [ExperimentRow] = []
        for backbone in options.backbones {
            for configuration in options.configurations {
                let (source, note) = try encoder(for: configuration, backbone: backbone, labelMappingHash: labelMappingHash)
                var row = ExperimentRow(backbone: backbone, configuration: configuration, results: [:], note: note)
                if let source {
                    for task in options.tasks {
                        let run = layout.finetuneRun(backbone: backbone, config: configuration, task: task.name)
                        row.results[task.name] = try finetuneAndEvaluate(task: task, backbone: backbone, configuration: configuration,
                                                                         encoder: source, run: run, seed: options.seed,
                                                                         labelMappingHash: labelMappingHash)
                    }
                } else if let note {
                    log("skipping \(configuration.paperName) on \(backbone.rawValue): \(note)")
                }
                rows.append(row)
                // Tables after every row, so a long experiment shows its progress.
                try ExperimentReport.writeTable2(rows: rows, tasks: options.tasks, to: options.out)
            }
        }
        try ExperimentReport.writeHTML(rows: rows, tasks: options.tasks, layout: layout, lowData: nil, to: options.out)
        return rows
    }
}
