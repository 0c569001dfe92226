import Foundation
import SonoData
import SonoModels
import SonoSupport
import Torch
import Yams

/// Where the fine-tuned network's encoder starts from.
public enum EncoderSource: Sendable, Equatable, Codable, CustomStringConvertible {
    /// PyTorch's default initialisation (the paper's Baseline).
    case random
    /// A pretraining run folder (its best checkpoint's encoder) or an exported encoder file.
    case pretrained(String)
    /// torchvision ImageNet weights converted to safetensors (the paper's ImageNet row).
    case imagenet(String)

    /// Parses the `--encoder` flag: `random`, `imagenet:PATH`, a RUN_DIR or a `.safetensors` file.
    public init(flag: String) {
        if flag == "random" || flag == "baseline" {
            self = .random
        } else if flag.hasPrefix("imagenet:") {
            self = .imagenet(String(flag.dropFirst("imagenet:".count)))
        } else {
            self = .pretrained(flag)
        }
    }

    public var description: String {
        switch self {
        case .random: return "random"
        case .pretrained(let path): return path
        case .imagenet(let path): return "imagenet:\(path)"
        }
    }

    public init(from decoder: Decoder) throws {
        self.init(flag: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Everything a fine-tuning run needs; saved as `finetune.yaml` (snake_case keys, the same style
/// as pretraining's `config.yaml`) in its folder, so a run can be resumed and evaluated without
/// repeating its options. `sonotag finetune --config FILE.yaml` reads any subset of the keys.
public struct FinetuneConfig: Sendable, Codable, Equatable {
    public var task: DownstreamTask
    /// A name for reports (`quality`, `thyroid`, …); also picks the thyroid learning rate.
    public var taskName: String
    public var data: String
    public var encoder: EncoderSource
    public var freezeEncoder: Bool
    public var backbone: Backbone
    public var height: Int
    public var width: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var dropout: Double
    /// The U-Net decoder's base width: its five up-convolution blocks have 8, 8, 4, 2, 1 times it
    /// (TernausNet's 32 gives 256, 256, 128, 64, 32).
    public var decoderBaseWidth: Int
    public var seed: UInt64
    public var augment: Bool
    /// Classification only: nil guesses from the labels.
    public var classificationMode: ClassificationMode?
    public var labelColumn: String?
    public var maskClasses: [String]
    /// Keep this share of the training images (low-data experiments); 1 keeps all.
    public var trainFraction: Double
    /// Cap on training images, for quick runs; nil keeps all.
    public var maxImages: Int?
    public var device: String
    /// libtorch intra-op threads; nil uses every available core (`TrainingThreads`).
    public var threads: Int?
    /// bf16 / fp16 autocast (float32 weights, Adam state and checkpoints); nil is fp32.
    public var precision: Precision? = nil
    /// Batch-norm statistics over all processes' batches in data-parallel runs; nil is off.
    public var syncBatchNorm: Bool? = nil
    /// Convolution weights stored channels-last (NHWC); nil is on, as in pretraining
    /// (`RunConfig.channelsLast`: oneDNN and cuDNN work in NHWC).
    public var channelsLast: Bool? = nil
    /// Also checkpoint every N steps inside an epoch; nil: at each epoch's end only.
    public var checkpointEvery: Int? = nil

    /// The settings' YAML keys; each is also the `sonotag finetune` option spelled with dashes
    /// (see `option`).
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case task
        case taskName = "task_name"
        case data, encoder
        case freezeEncoder = "freeze_encoder"
        case backbone, height, width, epochs
        case batchSize = "batch_size"
        case learningRate = "lr"
        case beta1, beta2, dropout
        case decoderBaseWidth = "decoder_width"
        case seed, augment
        case classificationMode = "mode"
        case labelColumn = "label_column"
        case maskClasses = "mask_classes"
        case trainFraction = "train_fraction"
        case maxImages = "max_images"
        case device, threads
        case precision
        case syncBatchNorm = "sync_batchnorm"
        case channelsLast = "channels_last"
        case checkpointEvery = "checkpoint_every"

        /// The option that sets this key: the key with `_` written `-`; one `--size HxW` sets the
        /// height and width, `--no-augment` turns `augment` off; nil where only `--config` sets it.
        public var option: String? {
            switch self {
            case .height, .width: return "size"
            case .augment: return "no-augment"
            case .beta1, .beta2, .dropout: return nil
            default: return rawValue.replacingOccurrences(of: "_", with: "-")
            }
        }
    }
    public typealias Key = CodingKeys

    /// camelCase keys of `finetune.yaml` files written before the snake_case style.
    static let legacyKeys: [String: Key] = [
        "taskName": .taskName, "freezeEncoder": .freezeEncoder, "batchSize": .batchSize, "learningRate": .learningRate,
        "decoderBaseWidth": .decoderBaseWidth, "classificationMode": .classificationMode, "labelColumn": .labelColumn,
        "maskClasses": .maskClasses, "trainFraction": .trainFraction, "maxImages": .maxImages
    ]

    /// The paper's Table A2 for a task and backbone.
    public static func paperDefaults(task: DownstreamTask, taskName: String, backbone: Backbone) -> FinetuneConfig {
        let isResNet = backbone.rawValue.hasPrefix("resnet")
        let learningRate: Double
        switch (task, isResNet) {
        case (.classification, _): learningRate = 5e-5
        case (.segmentation, false): learningRate = 1e-4
        case (.segmentation, true): learningRate = taskName.lowercased().contains("thyroid") ? 1.4e-4 : 5e-5
        }
        return FinetuneConfig(
            task: task, taskName: taskName, data: "", encoder: .random, freezeEncoder: false, backbone: backbone,
            height: 256, width: 384,
            epochs: task == .classification ? 300 : 500,
            batchSize: task == .classification ? 4 : 8,
            learningRate: learningRate, beta1: 0.9, beta2: 0.999, dropout: 0.5, decoderBaseWidth: 32, seed: 0, augment: true,
            classificationMode: nil, labelColumn: nil, maskClasses: [], trainFraction: 1, maxImages: nil, device: "cpu", threads: nil)
    }

    /// The run's settings, next to its checkpoints (pretraining runs keep theirs in `config.yaml`).
    public static let fileName = "finetune.yaml"

    public func write(to folder: URL) throws {
        let text = try YAMLEncoder().encode(self)
        try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent(Self.fileName))
    }

    public static func read(from folder: URL) throws -> FinetuneConfig {
        let url = folder.appendingPathComponent(fileName)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw FinetuneError.notARun(folder.path) }
        do {
            return try YAMLDecoder().decode(FinetuneConfig.self, from: renamingLegacyKeys(text))
        } catch {
            throw FinetuneError.badRunFile(url.path, reason: "\(error)")
        }
    }

    /// Older runs' camelCase top-level keys in snake_case. Top-level keys start their line, and
    /// nested values never do, so renaming line starts is exact.
    static func renamingLegacyKeys(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let colon = line.firstIndex(of: ":"), let key = legacyKeys[String(line[..<colon])] else { return String(line) }
            return key.rawValue + line[colon...]
        }.joined(separator: "\n")
    }

    /// A settings file (`--config`): the keys it sets with their values. Unknown keys are an
    /// error that lists the known ones.
    public static func settings(fromYAML text: String, source: String) throws -> [String: Any] {
        // Checked on the node tree, so that syntax errors and unknown keys say file:line:column.
        let renamed = renamingLegacyKeys(text)
        guard try YAMLConfig.settingsMapping(renamed, known: Key.allCases.map(\.rawValue), file: source) != nil else { return [:] }
        let node: Any?
        do { node = try Yams.load(yaml: renamed) } catch {
            throw FinetuneError.badRunFile(source, reason: "invalid YAML: \(error)")
        }
        return node as? [String: Any] ?? [:]
    }

    /// This configuration with `settings` (from `settings(fromYAML:)`) laid over it.
    public func applying(_ settings: [String: Any], source: String) throws -> FinetuneConfig {
        guard !settings.isEmpty else { return self }
        guard var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as? [String: Any] else {
            throw FinetuneError.badRunFile(source, reason: "cannot merge settings")
        }
        for (key, value) in settings { object[key] = value }
        do {
            return try JSONDecoder().decode(FinetuneConfig.self, from: JSONSerialization.data(withJSONObject: object))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context), let DecodingError.valueNotFound(
            _, context)
        {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            // The values were merged as JSON, which knows no lines: find the key in the file again.
            let text = (try? String(contentsOfFile: source, encoding: .utf8)).map(Self.renamingLegacyKeys)
            let position = context.codingPath.first.flatMap { first in
                text.flatMap { YAMLConfig.position(ofKey: first.stringValue, in: $0) }
            }
            throw YAMLConfigError(
                file: source, line: position?.line, column: position?.column, message: "\(key): \(context.debugDescription)")
        }
    }
}

public enum FinetuneError: Error, CustomStringConvertible {
    case notARun(String)
    case badRunFile(String, reason: String)
    /// A setting with a value that cannot be used, named by its YAML key (`batch_size`).
    case invalidSetting(field: String, reason: String)
    /// A setting naming a file or folder that cannot be used (the input is at fault, where an
    /// `invalidSetting` is a value out of range), named by its YAML key.
    case unusableFile(field: String, value: String, reason: String)
    case encoderLoad(String, reason: String)
    case diverged(epoch: Int, loss: Double)
    case mismatchedRun(String, reason: String)

    public var description: String {
        switch self {
        case .notARun(let path): return "\(path) is not a fine-tuning run (no \(FinetuneConfig.fileName))"
        case .badRunFile(let path, let reason): return "\(path): \(reason)"
        case .invalidSetting(let field, let reason): return "\(field): \(reason)"
        case .unusableFile(let field, let value, let reason): return "\(field) \(value): \(reason)"
        case .encoderLoad(let path, let reason): return "cannot load encoder weights from \(path): \(reason)"
        case .diverged(let epoch, let loss): return "training diverged at epoch \(epoch) (loss \(loss)); the last good checkpoint is kept"
        case .mismatchedRun(let path, let reason): return "cannot resume \(path): \(reason)"
        }
    }

    /// Whether the input is at fault (exit status "data error") rather than the run itself.
    public var isAboutTheInput: Bool {
        switch self {
        case .notARun, .unusableFile, .invalidSetting, .encoderLoad, .mismatchedRun: return true
        case .badRunFile, .diverged: return false
        }
    }
}
