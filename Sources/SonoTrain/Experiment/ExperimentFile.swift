import Foundation
import SonoData
import SonoEval
import SonoModels
import SonoSupport
import Yams

/// An experiment's settings as a file: `OUT/experiment-table2.yaml` (or `-lowdata`) records the effective ones, and
/// `experiment --config FILE` reads any subset. Keys are the command's options in snake_case
/// (`--pretrain-epochs` is `pretrain_epochs`); lists (`task`, `backbone`, `configs`, `imagenet`)
/// are YAML sequences.
public struct ExperimentFile: Codable, Equatable, Sendable {
    public var db: String?
    public var task: [String]?
    public var backbone: [String]?
    public var configs: [String]?
    public var labels: String?
    public var imagenet: [String]?
    public var size: String?
    public var pretrainEpochs: Int?
    public var pretrainBatchSize: Int?
    public var pretrainMaxImages: Int?
    public var finetuneEpochs: Int?
    public var finetuneBatchSize: Int?
    public var finetuneMaxImages: Int?
    public var finetuneLr: Double?
    public var decoderWidth: Int?
    public var resamples: Int?
    public var overlays: Int?
    public var seed: UInt64?
    public var device: String?
    public var threads: Int?
    public var out: String?
    public var seeds: Int?
    public var pretrainPreset: PretrainPreset?
    public var pretrainConfig: String?
    /// `lowdata` only.
    public var fraction: Double?
    public var repeats: Int?

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case db, task, backbone, configs, labels, imagenet, size
        case pretrainEpochs = "pretrain_epochs"
        case pretrainBatchSize = "pretrain_batch_size"
        case pretrainMaxImages = "pretrain_max_images"
        case finetuneEpochs = "finetune_epochs"
        case finetuneBatchSize = "finetune_batch_size"
        case finetuneMaxImages = "finetune_max_images"
        case finetuneLr = "finetune_lr"
        case decoderWidth = "decoder_width"
        case resamples, overlays, seed, device, threads, out, seeds
        case pretrainPreset = "pretrain_preset"
        case pretrainConfig = "pretrain_config"
        case fraction, repeats

        /// The `sonotag experiment` option for this key.
        public var option: String { rawValue.replacingOccurrences(of: "_", with: "-") }
    }
    public typealias Key = CodingKeys

    /// `experiment-table2.yaml` or `experiment-lowdata.yaml`: both studies may share a folder.
    public static func fileName(lowData: Bool) -> String { lowData ? "experiment-lowdata.yaml" : "experiment-table2.yaml" }

    /// Reads a settings file; unknown keys are an error that lists the known ones.
    public static func load(from url: URL) throws -> ExperimentFile {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ExperimentError.badRecord(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        // Errors say file:line:column; unknown keys list the known ones.
        guard let node = try YAMLConfig.settingsMapping(text, known: CodingKeys.allCases.map(\.rawValue), file: url.path) else {
            return ExperimentFile()
        }
        do { return try YAMLDecoder().decode(ExperimentFile.self, from: node) } catch let error as DecodingError {
            throw YAMLConfig.describe(error, in: node, file: url.path)
        }
    }

    /// The effective settings of `options` (and of a low-data study).
    public init(_ options: ExperimentOptions, lowData: (fraction: Double, repeats: Int)? = nil) {
        db = options.database
        task = options.tasks.map { "\($0.name):\($0.kind.rawValue)=\($0.path)" }
        backbone = options.backbones.map(\.rawValue)
        configs = options.configurations.map(\.rawValue)
        labels = options.labels
        imagenet = options.imagenetWeights.keys.sorted { $0.rawValue < $1.rawValue }.map {
            "\($0.rawValue)=\(options.imagenetWeights[$0]!)"
        }
        size = "\(options.height)x\(options.width)"
        pretrainEpochs = options.pretrainEpochs ?? RunConfig.defaults.epochs
        pretrainBatchSize = options.pretrainBatchSize ?? RunConfig.defaults.batchSize
        pretrainMaxImages = options.pretrainMaxImages
        finetuneEpochs = options.finetuneEpochs
        finetuneBatchSize = options.finetuneBatchSize
        finetuneMaxImages = options.finetuneMaxImages
        finetuneLr = options.finetuneLearningRate
        decoderWidth = options.decoderBaseWidth
        resamples = options.resamples
        overlays = options.overlays
        seed = options.seed
        device = options.device
        threads = options.threads
        out = options.out.path
        seeds = options.seeds
        pretrainPreset = options.pretrainPreset
        pretrainConfig = options.pretrainConfigPath
        fraction = lowData?.fraction
        repeats = lowData?.repeats
    }

    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(
            Data(try YAMLEncoder().encode(self).utf8),
            to: folder.appendingPathComponent(Self.fileName(lowData: fraction != nil)))
    }
}
