/// The torchvision feature extractors SonoTag can pretrain. Raw values are the CLI/YAML spelling.
public enum Backbone: String, CaseIterable, Codable, Sendable {
    case vgg16bn, resnet50, resnet18, vgg11bn

    /// Channels of the output-stride-32 feature map (the decoder's and the heads' input).
    public var featureChannels: Int {
        switch self {
        case .vgg16bn, .vgg11bn, .resnet18: return 512
        case .resnet50: return 2048
        }
    }

    /// Channels of each stage returned by `stages(_:)`, shallow to deep (the U-Net skips).
    public var stageChannels: [Int] {
        switch self {
        case .vgg16bn, .vgg11bn: return [64, 128, 256, 512, 512, 512]
        case .resnet18: return [64, 64, 128, 256, 512]
        case .resnet50: return [64, 256, 512, 1024, 2048]
        }
    }

    public var isResNet: Bool { self == .resnet18 || self == .resnet50 }
}
