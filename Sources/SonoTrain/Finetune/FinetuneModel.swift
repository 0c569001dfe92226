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

extension EncoderWeights {
    /// Loads `--encoder`'s weights into `encoder`; returns a line for the log. `random` leaves
    /// it untouched.
    static func load(_ source: EncoderSource, into encoder: any FeatureExtractor) throws -> String {
        let path: String
        switch source {
        case .random: return "encoder: random initialisation"
        case .imagenet(let p): path = p
        case .pretrained(let p): path = p
        }
        do {
            let loaded = try load(URL(fileURLWithPath: path), into: encoder)
            return
                "encoder: \(encoder.stateDict().count) tensors from \(loaded.file.path)\(loaded.prefix.isEmpty ? "" : " (prefix \(loaded.prefix))")"
        } catch let error as LoadError {
            throw FinetuneError.encoderLoad(error.path, reason: error.reason)
        }
    }
}
