import Torch
import TorchNN

/// A torchvision backbone cut at output stride 32, with torchvision's `state_dict` keys.
///
/// `forward` returns the deepest feature map (N×C×H/32×W/32); `stages` also returns the
/// intermediate maps a U-Net decoder uses as skips, shallow to deep, the last being `forward`'s.
/// Inputs may have one channel (gray ultrasound) or three: a gray image is treated exactly as
/// three identical channels, so ImageNet weights apply unchanged.
public protocol FeatureExtractor: Layer {
    var backbone: Backbone { get }
    /// Whether, in training, a gray input is folded into the first convolution's weights
    /// (`firstConvolution`); on by default, off to measure or to match torchvision's rounding.
    var foldsGrayInput: Bool { get set }
    func stages(_ input: Tensor) throws -> [Tensor]
}

extension FeatureExtractor {
    public var outputChannels: Int { backbone.featureChannels }

    /// Global-average-pooled features, N×C: the embedding `sonotag features` writes.
    public func pooledFeatures(_ input: Tensor) throws -> Tensor {
        try forward(input).mean(dims: [2, 3])
    }
}

/// Builds a randomly initialised backbone (torchvision's initialisation). With
/// `includeClassifier`, the ImageNet classifier is registered too, so the full torchvision
/// checkpoint (VGG16-BN: 97 keys, ResNet-50: 320 keys) loads strictly.
public func makeFeatureExtractor(_ backbone: Backbone, includeClassifier: Bool = false) throws -> any FeatureExtractor {
    switch backbone {
    case .vgg16bn, .vgg11bn: return try VGG(backbone, includeClassifier: includeClassifier)
    case .resnet18, .resnet50: return try ResNet(backbone, includeClassifier: includeClassifier)
    }
}

/// Applies the first convolution of a backbone to a gray or RGB input.
///
/// A gray image is treated as three identical channels, as torchvision sees
/// `x.expand(-1, 3, -1, -1)`. With `foldingGray` the weight is summed over its input channels
/// instead, the same function with a third of the first layer's work (its gradient reaches all
/// three channels' weights alike, as through the expansion). It rounds differently, and through
/// a deep network in evaluation mode (no batch statistics to renormalise) that drifts past the
/// 1e-4 parity with torchvision we promise, so backbones fold only in training, where the next
/// batch norm absorbs it and the first layer's cost matters (~13 % of ResNet-18 at 64×96).
func firstConvolution(_ conv: Conv2d, _ input: Tensor, foldingGray: Bool = false) throws -> Tensor {
    guard input.rank == 4 else {
        throw TorchError(operation: "feature extractor", message: "expected an N×C×H×W input, got shape \(input.shape)")
    }
    let channels = input.shape[1], expected = conv.weight.shape[1]
    if channels == expected { return try conv(input) }
    guard channels == 1 else {
        throw TorchError(
            operation: "feature extractor",
            message: "expected 1 (gray) or \(expected) input channels, got \(channels)")
    }
    if foldingGray {
        let folded = try conv.weight.sum(dims: [1], keepingDims: true)
        return try input.conv2d(
            weight: folded, bias: conv.bias, stride: conv.stride, padding: conv.padding,
            dilation: conv.dilation, groups: conv.groups)
    }
    var shape = input.shape
    shape[1] = expected
    return try conv(input.expanded(to: shape))
}

/// A conv layer followed by batch norm, with torchvision's initialisation for both.
func kaimingConv(_ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = false) throws -> Conv2d {
    let conv = try Conv2d(cin, cout, kernelSize: Size2D(kernel), stride: Size2D(stride), padding: Size2D(padding), bias: bias)
    try Initialization.kaimingNormal(conv.weight, mode: .fanOut, nonlinearity: "relu")
    if let b = conv.bias { try Initialization.constant(b, 0) }
    return conv
}
