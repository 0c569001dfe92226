import Torch
import TorchNN

/// The paper's classification head on an encoder's stride-32 features: 1×1 convolution (with
/// ReLU, so the head is not a single linear map), dropout, global average pooling, a fully
/// connected layer. It returns logits; the sigmoid lives in the loss
/// (`binaryCrossEntropyWithLogits`) and in `probabilities(_:)`, which is numerically safer.
public final class ClassifierHead: Layer {
    public let registry = ModuleRegistry()
    public let conv: Conv2d
    public let dropout: Dropout
    public let fc: Linear

    public init(inputChannels: Int, hiddenChannels: Int = 256, outputs: Int, dropout p: Double = 0.5) throws {
        guard outputs >= 1 else { throw TorchError(operation: "ClassifierHead", message: "needs at least one output, got \(outputs)") }
        conv = registry.child("conv", try Conv2d(inputChannels, hiddenChannels, kernelSize: 1))
        dropout = registry.child("dropout", Dropout(p: p))
        fc = registry.child("fc", try Linear(hiddenChannels, outputs))
    }

    public func forward(_ features: Tensor) throws -> Tensor {
        let x = try dropout(conv(features).relu())
        return try fc(x.mean(dims: [2, 3]))
    }
}

/// An encoder with the classification head: keys `encoder.*` (torchvision names) and `head.*`.
public final class EncoderClassifier: Layer {
    public let registry = ModuleRegistry()
    public let encoder: any FeatureExtractor
    public let head: ClassifierHead

    public init(encoder: any FeatureExtractor, outputs: Int, hiddenChannels: Int = 256, dropout: Double = 0.5) throws {
        self.encoder = registry.child("encoder", encoder)
        head = registry.child("head", try ClassifierHead(inputChannels: encoder.outputChannels, hiddenChannels: hiddenChannels,
                                                         outputs: outputs, dropout: dropout))
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try head(encoder(input))
    }

    /// Sigmoid outputs per bit (ordinal, multi-label) as Swift rows, one per image.
    public func probabilities(_ input: Tensor) throws -> [[Float]] {
        let p = try forward(input).sigmoid()
        let rows = p.shape[0], cols = p.shape[1]
        let flat: [Float] = try p.contiguous().toArray()
        return (0..<rows).map { Array(flat[($0 * cols)..<(($0 + 1) * cols)]) }
    }
}
