import Torch
import TorchNN

/// A U-Net whose down arm is a (pretrained) torchvision backbone, in the style of TernausNet
/// (VGG encoders) and AlbuNet (ResNet encoders): five up-convolution blocks take the stride-32
/// features back to full resolution, each concatenating the encoder stage of its resolution.
///
/// State-dict keys: `encoder.*` (torchvision's own keys, so a pretrained encoder loads with
/// `prefix: "encoder."`), `decoder.N.*` and `final.*`. Logits come out N×classes×H×W. Sizes that
/// are not multiples of 32 are padded at the bottom and right with zeros (the mean of a z-scored
/// image) and the logits cropped back, so any H, W ≥ 32 works.
public final class UNet: Layer {
    public let registry = ModuleRegistry()
    public let encoder: any FeatureExtractor
    public let decoder: [UNetUpBlock]
    public let final: Conv2d
    public let classes: Int

    /// `decoderWidths` are the output channels of the five blocks, deep to shallow.
    public init(encoder: any FeatureExtractor, classes: Int, decoderWidths: [Int] = [256, 128, 64, 32, 16]) throws {
        guard classes >= 1 else { throw TorchError(operation: "UNet", message: "needs at least one output class, got \(classes)") }
        guard decoderWidths.count == 5, decoderWidths.allSatisfy({ $0 > 0 }) else {
            throw TorchError(operation: "UNet", message: "needs five positive decoder widths, got \(decoderWidths)")
        }
        self.encoder = registry.child("encoder", encoder)
        self.classes = classes
        let stages = encoder.backbone.stageChannels
        var blocks: [UNetUpBlock] = []
        var input = stages[stages.count - 1]
        for (j, width) in decoderWidths.enumerated() {
            let skip = UNet.skipIndex(block: j, stageCount: stages.count).map { stages[$0] } ?? 0
            blocks.append(registry.child("decoder.\(j)", try UNetUpBlock(input: input, skip: skip, output: width)))
            input = width
        }
        decoder = blocks
        final = registry.child("final", try Conv2d(input, classes, kernelSize: 1))
    }

    /// Stage index joined after up-block `block` (output stride 32/2^(block+1)). Stages are
    /// shallow to deep and the deepest is at stride 32, so stage i is at stride 32/2^(count−1−i);
    /// ResNets have no stride-1 stage, so their last block has no skip (as in AlbuNet).
    static func skipIndex(block: Int, stageCount: Int) -> Int? {
        let index = stageCount - 2 - block
        return index >= 0 ? index : nil
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        guard input.rank == 4 else {
            throw TorchError(operation: "UNet", message: "input must be N×C×H×W, got \(input.shape)")
        }
        let height = input.shape[2], width = input.shape[3]
        let padBottom = (32 - height % 32) % 32, padRight = (32 - width % 32) % 32
        let padded = padBottom + padRight == 0 ? input : try input.padded([0, padRight, 0, padBottom])
        let stages = try encoder.stages(padded)
        guard var x = stages.last else { throw TorchError(operation: "UNet", message: "the encoder returned no stages") }
        for (j, block) in decoder.enumerated() {
            let skip = UNet.skipIndex(block: j, stageCount: stages.count).map { stages[$0] }
            x = try block.forward(x, skip: skip)
        }
        let logits = try final(x)
        guard padBottom + padRight > 0 else { return logits }
        return try logits.narrowed(dim: 2, start: 0, length: height).narrowed(dim: 3, start: 0, length: width)
    }
}

/// ×2 up-convolution (3×3 transposed conv, stride 2, BN, ReLU), then the skip concatenated and a
/// 3×3 conv, BN, ReLU to mix them.
public final class UNetUpBlock: Module {
    public let registry = ModuleRegistry()
    let up: ConvTranspose2d
    let upNorm: BatchNorm2d
    let conv: Conv2d
    let norm: BatchNorm2d

    init(input: Int, skip: Int, output: Int) throws {
        up = registry.child("up", try ConvTranspose2d(input, output, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, bias: false))
        upNorm = registry.child("up_bn", try BatchNorm2d(output))
        conv = registry.child("conv", try Conv2d(output + skip, output, kernelSize: 3, padding: 1, bias: false))
        norm = registry.child("bn", try BatchNorm2d(output))
    }

    func forward(_ x: Tensor, skip: Tensor?) throws -> Tensor {
        var y = try upNorm(up(x)).relu()
        if let skip { y = try Tensor.cat([y, skip], dim: 1) }
        return try norm(conv(y)).relu()
    }
}

/// Soft Dice loss, 1 − mean over images and channels of (2·Σpt + ε)/(Σp + Σt + ε), p = σ(logits).
/// ε keeps empty-mask channels finite (an empty prediction of an empty mask scores 1).
public func softDiceLoss(logits: Tensor, target: Tensor, epsilon: Double = 1) throws -> Tensor {
    let p = try logits.sigmoid()
    let dims = [2, 3]
    let intersection = try (p * target).sum(dims: dims)
    let total = try p.sum(dims: dims) + target.sum(dims: dims)
    let dice = try (intersection * 2 + epsilon) / (total + epsilon)
    return try 1 - dice.mean()
}
