import Foundation
import SonoModels

/// What an experiment asks of pretraining: one run per backbone and method, in `out`.
public struct PretrainRequest: Sendable {
    public var database: String
    public var method: String
    public var backbone: String
    public var out: URL
    public var height: Int
    public var width: Int
    public var epochs: Int?
    public var batchSize: Int?
    public var maxImages: Int?
    public var seed: UInt64
    public var device: String
    public var threads: Int?
    /// Starting settings (SonoTag's defaults or the paper's) and an optional YAML on top.
    public var preset: PretrainPreset = .sonotag
    public var configPath: String?
}

/// Settings shared by `experiment table2` and `experiment lowdata`.
public struct ExperimentOptions: Sendable {
    public var database: String
    public var tasks: [ExperimentTaskSpec]
    public var backbones: [String]
    public var configurations: [PretrainingConfiguration]
    public var out: URL
    /// torchvision ImageNet weights per backbone (safetensors); a missing entry skips that row.
    public var imagenetWeights: [String: String] = [:]
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
    public var pretrainPreset: PretrainPreset = .sonotag
    /// YAML with pretraining settings on top of the preset (same keys as `sonotag pretrain --config`).
    public var pretrainConfigPath: String?

    public init(database: String, tasks: [ExperimentTaskSpec], backbones: [String],
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
    public var backbone: String
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

    public init(options: ExperimentOptions, pretrain: @escaping (PretrainRequest) throws -> Void = ExperimentRunner.pretrainOnCohort,
                log: @escaping (String) -> Void) {
        self.options = options
        self.pretrain = pretrain
        self.log = log
    }

    var layout: ExperimentLayout { ExperimentLayout(root: options.out) }

    /// Pretraining as `sonotag pretrain --db` runs it: the paper's defaults with the request's
    /// overrides, on the cohort's stored train/val split; resumes a run that was interrupted.
    public static func pretrainOnCohort(_ request: PretrainRequest) throws {
        var config = request.preset.config
        if let path = request.configPath { config = try RunConfig.load(from: URL(fileURLWithPath: path), base: config) }
        guard let method = PretrainMethod(rawValue: request.method) else {
            throw FinetuneError.badFlag("--configs", reason: "unknown pretraining method \(request.method)")
        }
        guard let backbone = Backbone(rawValue: request.backbone) else {
            throw FinetuneError.badFlag("--backbones", reason: "'\(request.backbone)' is not one of \(Backbone.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        config.method = method
        config.backbone = backbone
        config.height = request.height
        config.width = request.width
        if let epochs = request.epochs { config.epochs = epochs }
        if let batch = request.batchSize { config.batchSize = batch }
        config.maxImages = request.maxImages
        config.seed = request.seed
        config.device = request.device
        config.threads = request.threads
        try config.validate()
        let (train, validation) = try openCohort(db: request.database, labels: nil, config: config)
        let resume = FileManager.default.fileExists(atPath: PretrainRunLayout(request.out).lastCheckpoint.path)
        _ = try SonoTrain.pretrain(config: config, train: train, validation: validation, runDirectory: request.out, resume: resume,
                         progress: ProgressReporter(style: .lines, lineEvery: 50))
    }

    /// Marker written after a pretraining run finished, so a half-done run is resumed, not reused.
    static let pretrainDoneMarker = "experiment-done"

    /// The encoder a configuration fine-tunes from, pretraining it first when needed.
    func encoder(for configuration: PretrainingConfiguration, backbone: String, seedIndex: Int? = nil) throws -> (EncoderSource?, String?) {
        switch configuration {
        case .baseline:
            return (.random, nil)
        case .imagenet:
            guard let path = options.imagenetWeights[backbone] else {
                return (nil, "no ImageNet weights given for \(backbone) (pass --imagenet \(backbone)=PATH.safetensors, converted from torchvision)")
            }
            return (.imagenet(path), nil)
        case .dcm, .ce, .ceDCM, .ceDCMFrozen:
            guard let method = configuration.pretrainingMethod else { return (.random, nil) }
            let run = layout.pretrainRun(backbone: backbone, method: method, seed: seedIndex)
            let marker = run.appendingPathComponent(Self.pretrainDoneMarker)
            if !FileManager.default.fileExists(atPath: marker.path) {
                log("pretraining \(method) on \(backbone) → \(run.path)")
                try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
                try pretrain(PretrainRequest(database: options.database, method: method, backbone: backbone, out: run,
                                             height: options.height, width: options.width, epochs: options.pretrainEpochs,
                                             batchSize: options.pretrainBatchSize, maxImages: options.pretrainMaxImages,
                                             seed: options.seed &+ UInt64(seedIndex ?? 0), device: options.device,
                                             threads: options.threads, preset: options.pretrainPreset,
                                             configPath: options.pretrainConfigPath))
                try FinetuneFiles.atomicWrite(Data("done\n".utf8), to: marker)
            }
            return (.pretrained(run.path), nil)
        }
    }

    /// Fine-tunes (resuming a partial run) and evaluates one task; reuses a finished evaluation.
    func finetuneAndEvaluate(task: ExperimentTaskSpec, backbone: String, configuration: PretrainingConfiguration,
                             encoder: EncoderSource, run: URL, trainFraction: Double = 1, seed: UInt64) throws -> EvaluationResult {
        let evaluationFolder = run.appendingPathComponent("evaluation")
        if let done = try? EvaluationResult.read(from: evaluationFolder) { return done }
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
        let resume = FileManager.default.fileExists(atPath: run.appendingPathComponent(FinetuneConfig.fileName).path)
        log("fine-tuning \(task.name) · \(backbone) · \(configuration.paperName)\(resume ? " (resuming)" : "")")
        _ = try FinetuneRun.train(config: config, out: run, resume: resume, log: { self.log("  " + $0) })
        var evaluation = EvaluationOptions()
        evaluation.split = .test
        evaluation.resamples = options.resamples
        evaluation.overlays = options.overlays
        evaluation.seed = options.seed
        evaluation.threads = options.threads
        return try Evaluation.evaluate(run: run, options: evaluation, log: { self.log("  " + $0) })
    }

    /// Runs (or resumes) the whole grid and writes Table 2 and the report into the experiment folder.
    /// With `seeds` > 1, pretraining and fine-tuning are repeated with seeds seed … seed+N−1 (runs
    /// in `seed-K` folders); Table 2 then shows mean ± std across seeds.
    @discardableResult
    public func runTable2() throws -> [ExperimentRow] {
        guard options.seeds >= 1 else { throw FinetuneError.badFlag("--seeds", reason: "must be at least 1") }
        try FileManager.default.createDirectory(at: options.out, withIntermediateDirectories: true)
        var rows: [ExperimentRow] = []
        for backbone in options.backbones {
            for configuration in options.configurations {
                var row = ExperimentRow(backbone: backbone, configuration: configuration, results: [:], note: nil)
                var perSeed: [String: [EvaluationResult]] = [:]
                for index in 0..<options.seeds {
                    let seedIndex = options.seeds > 1 ? index : nil
                    let (source, note) = try encoder(for: configuration, backbone: backbone, seedIndex: seedIndex)
                    row.note = note
                    guard let source else {
                        if let note { log("skipping \(configuration.paperName) on \(backbone): \(note)") }
                        break
                    }
                    for task in options.tasks {
                        let run = layout.finetuneRun(backbone: backbone, config: configuration, task: task.name, seed: seedIndex)
                        let result = try finetuneAndEvaluate(task: task, backbone: backbone, configuration: configuration,
                                                             encoder: source, run: run, seed: options.seed &+ UInt64(index))
                        perSeed[task.name, default: []].append(result)
                        if index == 0 { row.results[task.name] = result }
                    }
                }
                if options.seeds > 1 { row.seedResults = perSeed }
                rows.append(row)
                // Tables after every row, so a long experiment shows its progress.
                try ExperimentReport.writeTable2(rows: rows, tasks: options.tasks, to: options.out,
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
