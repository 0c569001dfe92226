import Torch
import TorchNN

/// The paper's downstream classification head: 1×1 convolution, dropout, global average pooling
/// and a fully connected layer. It returns logits; apply a sigmoid (or a BCE-with-logits loss)
/// for the paper's sigmoid outputs, e.g. the four ordinal bits of the quality score.
/// Keys: `conv.*`, `fc.*`.
public final class ClassifierHead: Layer {
    public let registry = ModuleRegistry()
    public let conv: Conv2d
    public let dropout: Dropout
    public let fc: Linear

    public init(inputChannels: Int, outputs: Int, hiddenChannels: Int = 256, dropout p: Double = 0.5) throws {
        conv = registry.child("conv", try Conv2d(inputChannels, hiddenChannels, kernelSize: 1))
        dropout = registry.child("dropout", Dropout(p: p))
        fc = registry.child("fc", try Linear(hiddenChannels, outputs))
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try fc(dropout(conv(input)).mean(dims: [2, 3]))
    }
}

/// A backbone with the classification head: keys `encoder.*` (torchvision names) and `head.*`.
public final class Classifier: Layer {
    public let registry = ModuleRegistry()
    public let encoder: any FeatureExtractor
    public let head: ClassifierHead

    public init(backbone: Backbone, outputs: Int, hiddenChannels: Int = 256, dropout: Double = 0.5) throws {
        encoder = registry.child("encoder", try makeFeatureExtractor(backbone))
        head = registry.child(
            "head",
            try ClassifierHead(
                inputChannels: backbone.featureChannels, outputs: outputs,
                hiddenChannels: hiddenChannels, dropout: dropout))
    }

    public func forward(_ input: Tensor) throws -> Tensor { try head(encoder(input)) }
}
