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

    /// Pretraining as `sonotag pretrain --db` runs it: the paper's defaults with the request's
    /// overrides, on the cohort's stored train/val split; resumes a run that was interrupted.
    public static func pretrainOnCohort(_ request: PretrainRequest) throws {
        var config = RunConfig()
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
    func encoder(for configuration: PretrainingConfiguration, backbone: String) throws -> (EncoderSource?, String?) {
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
            let run = layout.pretrainRun(backbone: backbone, method: method)
            let marker = run.appendingPathComponent(Self.pretrainDoneMarker)
            if !FileManager.default.fileExists(atPath: marker.path) {
                log("pretraining \(method) on \(backbone) → \(run.path)")
                try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
                try pretrain(PretrainRequest(database: options.database, method: method, backbone: backbone, out: run,
                                             height: options.height, width: options.width, epochs: options.pretrainEpochs,
                                             batchSize: options.pretrainBatchSize, maxImages: options.pretrainMaxImages,
                                             seed: options.seed, device: options.device, threads: options.threads))
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
    @discardableResult
    public func runTable2() throws -> [ExperimentRow] {
        try FileManager.default.createDirectory(at: options.out, withIntermediateDirectories: true)
        var rows: [ExperimentRow] = []
        for backbone in options.backbones {
            for configuration in options.configurations {
                let (source, note) = try encoder(for: configuration, backbone: backbone)
                var row = ExperimentRow(backbone: backbone, configuration: configuration, results: [:], note: note)
                if let source {
                    for task in options.tasks {
                        let run = layout.finetuneRun(backbone: backbone, config: configuration, task: task.name)
                        row.results[task.name] = try finetuneAndEvaluate(task: task, backbone: backbone, configuration: configuration,
                                                                         encoder: source, run: run, seed: options.seed)
                    }
                } else if let note {
                    log("skipping \(configuration.paperName) on \(backbone): \(note)")
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
