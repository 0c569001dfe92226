import Foundation
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

/// Everything a fine-tuning run needs; saved as `finetune_config.json` in its folder so a run
/// can be resumed and evaluated without repeating its flags.
public struct FinetuneConfig: Sendable, Codable, Equatable {
    public var task: DownstreamTask
    /// A name for reports (`quality`, `thyroid`, …); also picks the thyroid learning rate.
    public var taskName: String
    public var data: String
    public var encoder: EncoderSource
    public var freezeEncoder: Bool
    public var backbone: String
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

    /// The paper's Table A2 for a task and backbone.
    public static func paperDefaults(task: DownstreamTask, taskName: String, backbone: String) -> FinetuneConfig {
        let isResNet = backbone.lowercased().hasPrefix("resnet")
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
        try FinetuneFiles.atomicWrite(Data(text.utf8), to: folder.appendingPathComponent(Self.fileName))
    }

    public static func read(from folder: URL) throws -> FinetuneConfig {
        let url = folder.appendingPathComponent(fileName)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw FinetuneError.notARun(folder.path) }
        do {
            return try YAMLDecoder().decode(FinetuneConfig.self, from: text)
        } catch {
            throw FinetuneError.badRunFile(url.path, reason: "\(error)")
        }
    }
}

public enum FinetuneError: Error, CustomStringConvertible {
    case notARun(String)
    case badRunFile(String, reason: String)
    case badFlag(String, reason: String)
    case encoderLoad(String, reason: String)
    case diverged(epoch: Int, loss: Double)
    case mismatchedRun(String, reason: String)

    public var description: String {
        switch self {
        case .notARun(let path): return "\(path) is not a fine-tuning run (no \(FinetuneConfig.fileName))"
        case .badRunFile(let path, let reason): return "\(path): \(reason)"
        case .badFlag(let flag, let reason): return "\(flag): \(reason)"
        case .encoderLoad(let path, let reason): return "cannot load encoder weights from \(path): \(reason)"
        case .diverged(let epoch, let loss): return "training diverged at epoch \(epoch) (loss \(loss)); the last good checkpoint is kept"
        case .mismatchedRun(let path, let reason): return "cannot resume \(path): \(reason)"
        }
    }
}

enum FinetuneFiles {
    /// Temp file + rename, so a crash never leaves half a file behind.
    static func atomicWrite(_ data: Data, to url: URL) throws {
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try data.write(to: temp)
        // rename(2) replaces an existing file atomically (Foundation's replaceItemAt does not on Linux).
        guard rename(temp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw FinetuneError.badRunFile(url.path, reason: "cannot write: \(reason)")
        }
    }
}
