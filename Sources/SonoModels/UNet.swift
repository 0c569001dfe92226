import Torch
import TorchNN

/// A U-Net whose encoder arm is a torchvision backbone (TernausNet for VGG, AlbuNet for ResNet):
/// five up-convolution blocks, each a 3×3 convolution + ReLU then a 3×3 transposed convolution
/// (stride 2) + ReLU, with the encoder's stages concatenated as skips on the way up.
///
/// VGG's stages sit at strides 1…32, so every block takes a skip. ResNet's shallowest stage is at
/// stride 2 (conv1), so its last block up-samples without a skip, as in AlbuNet. The output has
/// the input's size (divisible by 32) and `outputChannels` logits per pixel.
///
/// Keys: `encoder.*` (torchvision names, so a pretrained encoder loads with prefix "encoder."),
/// `blocks.N.conv.*`, `blocks.N.up.*`, `final.*`, `logits.*`.
public final class UNet: Layer {
    public let registry = ModuleRegistry()
    public let encoder: any FeatureExtractor
    public let blocks: Sequential
    public let final: Conv2d
    public let logits: Conv2d

    public init(backbone: Backbone, outputChannels: Int = 1, baseWidth: Int = 32) throws {
        guard outputChannels > 0, baseWidth > 0 else {
            throw TorchError(operation: "UNet", message: "output channels and base width must be positive")
        }
        encoder = registry.child("encoder", try makeFeatureExtractor(backbone))
        let widths = [8, 8, 4, 2, 1].map { $0 * baseWidth }
        // Skips in the order the decoder meets them, deep to shallow (the bottom is the input).
        let skips = Array(backbone.stageChannels.dropLast().reversed())
        var cin = backbone.featureChannels
        let built = Sequential()
        for (i, width) in widths.enumerated() {
            built.append(try UpBlock(cin, middle: 2 * width, out: width))
            cin = width + (i < skips.count ? skips[i] : 0)
        }
        blocks = registry.child("blocks", built)
        final = registry.child("final", try Conv2d(cin, baseWidth, kernelSize: 3, padding: 1))
        logits = registry.child("logits", try Conv2d(baseWidth, outputChannels, kernelSize: 1))
    }

    /// Per-pixel logits, N×outputChannels×H×W.
    public func forward(_ input: Tensor) throws -> Tensor {
        let stages = try encoder.stages(input)
        guard var x = stages.last else { return input }
        let skips = Array(stages.dropLast().reversed())
        for i in 0..<blocks.count {
            x = try blocks[i].forward(x)
            if i < skips.count { x = try Tensor.cat([x, skips[i]], dim: 1) }
        }
        return try logits(final(x).reluReusingStorage())
    }
}

/// One decoder block: conv 3×3 + ReLU, then transposed conv 3×3 stride 2 + ReLU (doubles H and W).
final class UpBlock: Layer {
    let registry = ModuleRegistry()
    let conv: Conv2d
    let up: ConvTranspose2d

    init(_ cin: Int, middle: Int, out: Int) throws {
        conv = registry.child("conv", try Conv2d(cin, middle, kernelSize: 3, padding: 1))
        up = registry.child("up", try ConvTranspose2d(middle, out, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1))
    }

    func forward(_ input: Tensor) throws -> Tensor { try up(conv(input).reluReusingStorage()).reluReusingStorage() }
}
