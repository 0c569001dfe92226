import Foundation
import SonoModels
import Torch
import TorchNN

/// The network of a fine-tuning run: a U-Net for segmentation or an encoder with the
/// classification head; both register the backbone under `encoder.` (torchvision keys).
public enum FinetuneNetwork {
    case segmentation(UNet)
    case classification(Classifier)

    public var module: any Layer {
        switch self {
        case .segmentation(let net): return net
        case .classification(let net): return net
        }
    }

    public var encoder: any FeatureExtractor {
        switch self {
        case .segmentation(let net): return net.encoder
        case .classification(let net): return net.encoder
        }
    }

    /// Logits for `input`. The U-Net needs sides divisible by 32, so other sizes are padded at the
    /// bottom and right with zeros (the mean of a z-scored image) and the logits cropped back:
    /// any size of at least 32×32 works (e.g. 32×48 in tests, 540×800-shaped HC18 at 64×96).
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        guard case .segmentation = self, input.rank == 4 else { return try module.forward(input) }
        let height = input.shape[2], width = input.shape[3]
        let padBottom = (32 - height % 32) % 32, padRight = (32 - width % 32) % 32
        guard padBottom + padRight > 0 else { return try module.forward(input) }
        let logits = try module.forward(input.padded([0, padRight, 0, padBottom]))
        return try logits.narrowed(dim: 2, start: 0, length: height).narrowed(dim: 3, start: 0, length: width)
    }

    /// Builds the network for a configuration with a randomly initialised encoder.
    public static func make(config: FinetuneConfig, outputs: Int) throws -> FinetuneNetwork {
        let backbone = config.backbone
        switch config.task {
        case .segmentation:
            return .segmentation(try UNet(backbone: backbone, outputChannels: outputs, baseWidth: config.decoderBaseWidth))
        case .classification:
            return .classification(try Classifier(backbone: backbone, outputs: outputs, dropout: config.dropout))
        }
    }

    /// Parameters that train: all of them, or everything outside `encoder.` when frozen.
    public func trainableParameters(freezeEncoder: Bool) -> [(name: String, tensor: Tensor)] {
        module.namedParameters().filter { !freezeEncoder || !$0.name.hasPrefix("encoder.") }
    }
}

/// Finds and loads encoder weights for `--encoder`.
enum EncoderWeights {
    /// Files tried inside a pretraining RUN_DIR, in order (an export first, then checkpoints).
    static let runFiles = ["encoder.safetensors", "checkpoints/best.safetensors", "best.safetensors", "checkpoint-best.safetensors", "best/model.safetensors",
                           "last.safetensors", "checkpoint-last.safetensors"]

    /// Loads `source` into `encoder`; returns a line for the log. `random` leaves it untouched.
    static func load(_ source: EncoderSource, into encoder: any FeatureExtractor) throws -> String {
        let path: String
        switch source {
        case .random: return "encoder: random initialisation"
        case .imagenet(let p): path = p
        case .pretrained(let p): path = p
        }
        let file = try resolve(path)
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(contentsOf: file) } catch {
            throw FinetuneError.encoderLoad(file.path, reason: "\(error)")
        }
        let tensors = archive.dictionary
        guard let prefix = encoderPrefix(in: Set(tensors.keys), encoder: encoder) else {
            throw FinetuneError.encoderLoad(file.path, reason: "no \(encoder.backbone.rawValue) encoder keys found (e.g. \(encoder.stateDict().first?.name ?? "?"))")
        }
        do {
            // Non-strict: torchvision files carry the ImageNet classifier, checkpoints carry decoders.
            let report = try encoder.loadStateDict(tensors, prefix: prefix, strict: false, source: file.path)
            guard report.missingKeys.isEmpty else {
                throw FinetuneError.encoderLoad(file.path, reason: "missing encoder keys: \(report.missingKeys.prefix(5).joined(separator: ", "))")
            }
        } catch let error as FinetuneError {
            throw error
        } catch {
            throw FinetuneError.encoderLoad(file.path, reason: "\(error)")
        }
        return "encoder: \(encoder.stateDict().count) tensors from \(file.path)\(prefix.isEmpty ? "" : " (prefix \(prefix))")"
    }

    static func resolve(_ path: String) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FinetuneError.encoderLoad(path, reason: "no such file or folder")
        }
        let url = URL(fileURLWithPath: path)
        guard isDirectory.boolValue else { return url }
        for name in runFiles {
            let candidate = url.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        // Any checkpoint with "best" in its name, then any safetensors at all.
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".safetensors") }.sorted()
        if let best = names.first(where: { $0.contains("best") }) ?? names.first {
            return url.appendingPathComponent(best)
        }
        throw FinetuneError.encoderLoad(path, reason: "no .safetensors file in the run folder (tried \(runFiles.joined(separator: ", ")))")
    }

    /// The key prefix under which the encoder sits in a file: "" for torchvision/exported files,
    /// "encoder." or deeper for whole-model checkpoints. Found from the encoder's own first key.
    static func encoderPrefix(in keys: Set<String>, encoder: any FeatureExtractor) -> String? {
        let own = encoder.stateDict().map(\.name)
        guard let probe = own.first else { return nil }
        let candidates = keys.filter { $0 == probe || $0.hasSuffix("." + probe) }
            .map { String($0.dropLast(probe.count)) }
            .sorted { $0.count < $1.count }
        // Prefer the prefix that holds the most of the encoder's keys (a checkpoint may hold two
        // networks, e.g. a context encoder and a discriminator with a similar first layer).
        return candidates.max { a, b in
            own.filter { keys.contains(a + $0) }.count < own.filter { keys.contains(b + $0) }.count
        }
    }
}
