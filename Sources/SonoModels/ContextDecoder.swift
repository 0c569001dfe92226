import Torch
import TorchNN

/// The context encoder's decoder: four blocks of 3×3 transposed convolution (stride 2), batch
/// norm and ReLU, then a 3×3 convolution to one channel. Each block doubles the size, so an
/// output-stride-32 map (8×12 for a 256×384 image) becomes the 128×192 centre: half the image
/// in each dimension, for any input size divisible by 32.
///
/// Keys: `blocks.{0,3,6,9}.weight` (up-convolutions, no bias: batch norm follows),
/// `blocks.{1,4,7,10}.*` (batch norms), `blocks.12.{weight,bias}` (the output convolution).
public final class ContextDecoder: Layer {
    public let registry = ModuleRegistry()
    public let blocks: Sequential

    public init(inputChannels: Int, widths: [Int] = [256, 128, 64, 32]) throws {
        guard widths.count == 4, widths.allSatisfy({ $0 > 0 }), inputChannels > 0 else {
            throw TorchError(operation: "ContextDecoder(widths: \(widths))", message: "needs four positive widths")
        }
        var layers: [any Layer] = []
        var cin = inputChannels
        for width in widths {
            let up = try ConvTranspose2d(cin, width, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, bias: false)
            layers += [up, try BatchNorm2d(width), ReLU(inPlace: true)]
            cin = width
        }
        layers.append(try Conv2d(cin, 1, kernelSize: 3, padding: 1))
        blocks = registry.child("blocks", Sequential(layers))
    }

    public func forward(_ input: Tensor) throws -> Tensor { try blocks(input) }
}

/// F in the paper: a backbone and the decoder that in-paints the masked centre.
/// Keys: `encoder.*` (torchvision names below the prefix) and `decoder.*`.
public final class ContextEncoder: Layer {
    public let registry = ModuleRegistry()
    public let encoder: any FeatureExtractor
    public let decoder: ContextDecoder

    public init(backbone: Backbone, decoderWidths: [Int] = [256, 128, 64, 32]) throws {
        encoder = registry.child("encoder", try makeFeatureExtractor(backbone))
        decoder = registry.child("decoder", try ContextDecoder(inputChannels: backbone.featureChannels, widths: decoderWidths))
    }

    /// The predicted centre (N×1×H/2×W/2) of a masked N×1×H×W image.
    public func forward(_ input: Tensor) throws -> Tensor { try decoder(encoder(input)) }
}
