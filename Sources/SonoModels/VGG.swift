import Torch
import TorchNN

/// torchvision's VGG with batch norm (`vgg16_bn`, `vgg11_bn`): `features.N.*` keys whose indices
/// count the parameterless ReLU and MaxPool layers, and optionally `classifier.{0,3,6}.*`.
public final class VGG: FeatureExtractor {
    public let registry = ModuleRegistry()
    public let backbone: Backbone
    public let features: Sequential
    public let classifier: Sequential?
    /// In training, a gray input meets the first convolution's weights summed over RGB (see `firstConvolution`).
    public var foldsGrayInput = true
    /// Indices in `features` of the max-pool layers; the map entering each one is a skip stage.
    let poolIndices: [Int]

    /// Convolution widths per block, "M" = max pool (torchvision's cfgs "A" and "D").
    static func configuration(_ backbone: Backbone) -> [Int?] {
        switch backbone {
        case .vgg11bn: return [64, nil, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil]
        default: return [64, 64, nil, 128, 128, nil, 256, 256, 256, nil, 512, 512, 512, nil, 512, 512, 512, nil]
        }
    }

    public init(_ backbone: Backbone, includeClassifier: Bool = false) throws {
        guard backbone == .vgg16bn || backbone == .vgg11bn else {
            throw TorchError(operation: "VGG(\(backbone.rawValue))", message: "not a VGG backbone")
        }
        self.backbone = backbone
        var layers: [any Layer] = []
        var pools: [Int] = []
        var cin = 3
        for width in Self.configuration(backbone) {
            if let width {
                let conv = try kaimingConv(cin, width, kernel: 3, padding: 1, bias: true)
                layers += [conv, try BatchNorm2d(width), ReLU(inPlace: true)]
                cin = width
            } else {
                pools.append(layers.count)
                layers.append(MaxPool2d(kernelSize: 2, stride: 2))
            }
        }
        poolIndices = pools
        features = registry.child("features", Sequential(layers))
        if includeClassifier {
            // torchvision's adaptive 7x7 pool has no parameters; only the classifier has keys.
            let fc: [Linear] = try [Linear(512 * 7 * 7, 4096), Linear(4096, 4096), Linear(4096, 1000)]
            for l in fc {
                try Initialization.normal(l.weight, std: 0.01)
                if let b = l.bias { try Initialization.constant(b, 0) }
            }
            classifier = registry.child("classifier", Sequential(fc[0], ReLU(), Dropout(p: 0.5), fc[1], ReLU(), Dropout(p: 0.5), fc[2]))
        } else {
            classifier = nil
        }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try run(input, keepStages: false).last ?? input
    }

    /// The maps entering each max pool (strides 1, 2, 4, 8, 16), then the output (stride 32).
    public func stages(_ input: Tensor) throws -> [Tensor] {
        try run(input, keepStages: true)
    }

    private func run(_ input: Tensor, keepStages: Bool) throws -> [Tensor] {
        guard let first = features[0] as? Conv2d else { return [] }
        var x = try firstConvolution(first, input, foldingGray: foldsGrayInput && isTraining)
        var out: [Tensor] = []
        for i in 1..<features.count {
            if keepStages && poolIndices.contains(i) { out.append(x) }
            x = try features[i].forward(x)
        }
        out.append(x)
        return out
    }

    /// ImageNet logits (only with `includeClassifier`): torchvision's full forward.
    public func classify(_ input: Tensor) throws -> Tensor {
        guard let classifier else {
            throw TorchError(operation: "VGG.classify", message: "built without the classifier")
        }
        let pooled = try forward(input).adaptiveAvgPool2d(outputSize: 7).flattened(startDim: 1)
        return try classifier(pooled)
    }
}
