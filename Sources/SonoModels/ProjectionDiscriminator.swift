import Torch
import TorchNN

/// The projection discriminator (Miyato & Koyama, 2018) with batch norm, as the paper uses it:
/// four blocks of 3×3 convolution (stride 2), batch norm and LeakyReLU(0.2) give a map that is
/// pooled into D̃(x); then D(x, y) = C_rf(D̃(x)) + D̃(x)ᵀ W y, with a bias-free W.
///
/// With `labelCount == 0` the projection is absent and D is unconditional (the CE method).
/// Keys (batch norm): `features.{0,3,6,9}.weight`, `features.{1,4,7,10}.*`, `linear.{weight,bias}`,
/// `projection.weight` (W, shaped like `nn.Linear(labelCount, C, bias=False).weight`).
/// With `.spectral` normalisation the blocks are spectrally normalised convolutions (with bias)
/// and LeakyReLU, keys `features.{0,2,4,6}.{weight_orig,bias,weight_u,weight_v}`, and C_rf and W
/// are spectrally normalised too (`linear.weight_orig`, `projection.weight_orig`, …).
public final class ProjectionDiscriminator: Module {
    public let registry = ModuleRegistry()
    public let features: Sequential
    public let linear: any Layer
    public let projection: (any Layer)?
    public let pooling: DiscriminatorPooling
    public let normalization: DiscriminatorNormalization
    public let labelCount: Int

    public init(
        labelCount: Int, inputChannels: Int = 1, widths: [Int] = [64, 128, 256, 512],
        pooling: DiscriminatorPooling = .sum, normalization: DiscriminatorNormalization = .batch
    ) throws {
        guard widths.count == 4, widths.allSatisfy({ $0 > 0 }), labelCount >= 0 else {
            throw TorchError(
                operation: "ProjectionDiscriminator(widths: \(widths), labels: \(labelCount))",
                message: "needs four positive widths and a non-negative label count")
        }
        var layers: [any Layer] = []
        var cin = inputChannels
        for width in widths {
            switch normalization {
            case .batch:
                layers += [
                    try Conv2d(cin, width, kernelSize: 3, stride: 2, padding: 1, bias: false),
                    try BatchNorm2d(width), LeakyReLU(negativeSlope: 0.2, inPlace: true)
                ]
            case .spectral:
                layers += [
                    try SpectralConv2d(cin, width, kernelSize: 3, stride: 2, padding: 1), LeakyReLU(negativeSlope: 0.2, inPlace: true)
                ]
            }
            cin = width
        }
        features = registry.child("features", Sequential(layers))
        switch normalization {
        case .batch:
            linear = registry.child("linear", try Linear(cin, 1))
            projection = labelCount > 0 ? registry.child("projection", try Linear(labelCount, cin, bias: false)) : nil
        case .spectral:
            linear = registry.child("linear", try SpectralLinear(cin, 1))
            projection = labelCount > 0 ? registry.child("projection", try SpectralLinear(labelCount, cin, bias: false)) : nil
        }
        self.pooling = pooling
        self.normalization = normalization
        self.labelCount = labelCount
    }

    /// D̃(x): the pooled representation, N×C.
    public func representation(_ x: Tensor) throws -> Tensor {
        let map = try features(x)
        return pooling == .sum ? try map.sum(dims: [2, 3]) : try map.mean(dims: [2, 3])
    }

    /// D(x, y), one score per image (N). `labels` (N×K float) is required iff `labelCount > 0`.
    public func callAsFunction(_ x: Tensor, labels: Tensor?) throws -> Tensor {
        let h = try representation(x)
        var score = try linear(h).squeezed(dim: 1)
        if let projection {
            guard let labels else {
                throw TorchError(operation: "ProjectionDiscriminator", message: "conditioned on \(labelCount) labels but none given")
            }
            score = try score + (h * projection(labels)).sum(dims: [1])
        }
        return score
    }
}
