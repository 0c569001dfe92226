import Torch
import TorchNN

/// The DCM baseline's head: global average pooling of the encoder map, then a linear layer to
/// one logit per label (trained with binary cross-entropy). Keys: `fc.{weight,bias}`.
public final class DCMHead: Layer {
    public let registry = ModuleRegistry()
    public let fc: Linear

    public init(inputChannels: Int, labelCount: Int) throws {
        fc = registry.child("fc", try Linear(inputChannels, labelCount))
    }

    /// Logits, N×K, from an N×C×h×w feature map.
    public func forward(_ input: Tensor) throws -> Tensor { try fc(input.mean(dims: [2, 3])) }
}

/// The DCM configuration's F: a backbone predicting the DICOM-derived labels directly.
/// Keys: `encoder.*` and `head.*`.
public final class LabelPredictor: Layer {
    public let registry = ModuleRegistry()
    public let encoder: any FeatureExtractor
    public let head: DCMHead

    public init(backbone: Backbone, labelCount: Int) throws {
        encoder = registry.child("encoder", try makeFeatureExtractor(backbone))
        head = registry.child("head", try DCMHead(inputChannels: backbone.featureChannels, labelCount: labelCount))
    }

    public func forward(_ input: Tensor) throws -> Tensor { try head(encoder(input)) }
}
