import Torch
import TorchNN

/// torchvision's ResNet (v1.5: the stride sits on the 3×3 convolution of a bottleneck), keys
/// `conv1`, `bn1`, `layer1…4.i.{conv,bn}k`, `…downsample.{0,1}`, and optionally `fc`.
public final class ResNet: FeatureExtractor {
    public let registry = ModuleRegistry()
    public let backbone: Backbone
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let layers: [Sequential]
    public let fc: Linear?
    /// In training, a gray input meets conv1's weights summed over RGB (see `firstConvolution`).
    public var foldsGrayInput = true

    public init(_ backbone: Backbone, includeClassifier: Bool = false) throws {
        let blockCounts: [Int]
        let bottleneck: Bool
        switch backbone {
        case .resnet18: (blockCounts, bottleneck) = ([2, 2, 2, 2], false)
        case .resnet50: (blockCounts, bottleneck) = ([3, 4, 6, 3], true)
        default: throw TorchError(operation: "ResNet(\(backbone.rawValue))", message: "not a ResNet backbone")
        }
        self.backbone = backbone
        conv1 = registry.child("conv1", try kaimingConv(3, 64, kernel: 7, stride: 2, padding: 3))
        bn1 = registry.child("bn1", try BatchNorm2d(64))
        let expansion = bottleneck ? 4 : 1
        var cin = 64
        var built: [Sequential] = []
        for (stage, count) in blockCounts.enumerated() {
            let width = 64 << stage
            let layer = Sequential()
            for i in 0..<count {
                let stride = (stage > 0 && i == 0) ? 2 : 1
                let block: any Layer =
                    bottleneck
                    ? try Bottleneck(cin, width, stride: stride)
                    : try BasicBlock(cin, width, stride: stride)
                layer.append(block)
                cin = width * expansion
            }
            built.append(registry.child("layer\(stage + 1)", layer))
        }
        layers = built
        if includeClassifier {
            // nn.Linear's default initialisation, as torchvision leaves `fc` alone.
            fc = registry.child("fc", try Linear(cin, 1000))
        } else {
            fc = nil
        }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        var x = try stem(input).maxPool2d(kernelSize: 3, stride: 2, padding: 1)
        for layer in layers { x = try layer(x) }
        return x
    }

    /// conv1+bn1+relu (stride 2), then layer1 (4), layer2 (8), layer3 (16), layer4 (32).
    public func stages(_ input: Tensor) throws -> [Tensor] {
        let s = try stem(input)
        var out = [s]
        var x = try s.maxPool2d(kernelSize: 3, stride: 2, padding: 1)
        for layer in layers {
            x = try layer(x)
            out.append(x)
        }
        return out
    }

    private func stem(_ input: Tensor) throws -> Tensor {
        try bn1(firstConvolution(conv1, input, foldingGray: foldsGrayInput && isTraining)).reluReusingStorage()
    }

    /// ImageNet logits (only with `includeClassifier`).
    public func classify(_ input: Tensor) throws -> Tensor {
        guard let fc else { throw TorchError(operation: "ResNet.classify", message: "built without the classifier") }
        return try fc(forward(input).mean(dims: [2, 3]))
    }
}

/// The 1×1 projection shortcut (`downsample.0` conv, `downsample.1` batch norm).
private func downsample(_ cin: Int, _ cout: Int, stride: Int) throws -> Sequential? {
    guard stride != 1 || cin != cout else { return nil }
    return Sequential(try kaimingConv(cin, cout, kernel: 1, stride: stride), try BatchNorm2d(cout))
}

final class BasicBlock: Layer {
    let registry = ModuleRegistry()
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let shortcut: Sequential?

    init(_ cin: Int, _ width: Int, stride: Int) throws {
        conv1 = registry.child("conv1", try kaimingConv(cin, width, kernel: 3, stride: stride, padding: 1))
        bn1 = registry.child("bn1", try BatchNorm2d(width))
        conv2 = registry.child("conv2", try kaimingConv(width, width, kernel: 3, padding: 1))
        bn2 = registry.child("bn2", try BatchNorm2d(width))
        let d = try downsample(cin, width, stride: stride)
        shortcut = d
        if let d { registry.child("downsample", d) }
    }

    func forward(_ input: Tensor) throws -> Tensor {
        let y = try bn2(conv2(bn1(conv1(input)).reluReusingStorage()))
        let identity = try shortcut?(input) ?? input
        return try (y + identity).reluReusingStorage()
    }
}

final class Bottleneck: Layer {
    let registry = ModuleRegistry()
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    let shortcut: Sequential?

    init(_ cin: Int, _ width: Int, stride: Int) throws {
        conv1 = registry.child("conv1", try kaimingConv(cin, width, kernel: 1))
        bn1 = registry.child("bn1", try BatchNorm2d(width))
        conv2 = registry.child("conv2", try kaimingConv(width, width, kernel: 3, stride: stride, padding: 1))
        bn2 = registry.child("bn2", try BatchNorm2d(width))
        conv3 = registry.child("conv3", try kaimingConv(width, width * 4, kernel: 1))
        bn3 = registry.child("bn3", try BatchNorm2d(width * 4))
        let d = try downsample(cin, width * 4, stride: stride)
        shortcut = d
        if let d { registry.child("downsample", d) }
    }

    func forward(_ input: Tensor) throws -> Tensor {
        let a = try bn1(conv1(input)).reluReusingStorage()
        let b = try bn2(conv2(a)).reluReusingStorage()
        let y = try bn3(conv3(b))
        let identity = try shortcut?(input) ?? input
        return try (y + identity).reluReusingStorage()
    }
}
