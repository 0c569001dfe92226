import Torch
import TorchNN
import XCTest

@testable import SonoModels

final class ShapeTests: XCTestCase {
    func testStagesAndOutputStride32() throws {
        let x = try Tensor.randn([2, 1, 64, 96])
        for backbone in Backbone.allCases {
            let m = try makeFeatureExtractor(backbone)
            m.eval()
            let stages = try withNoGrad { try m.stages(x) }
            XCTAssertEqual(stages.map { $0.shape[1] }, backbone.stageChannels, "\(backbone)")
            XCTAssertEqual(stages.last?.shape, [2, backbone.featureChannels, 2, 3], "\(backbone)")
            let strides = stages.map { 64 / $0.shape[2] }
            XCTAssertEqual(strides, backbone.isResNet ? [2, 4, 8, 16, 32] : [1, 2, 4, 8, 16, 32], "\(backbone)")
        }
    }

    func testGrayInputEqualsThreeIdenticalChannels() throws {
        let m = try ResNet(.resnet18)
        m.eval()
        let gray = try Tensor.randn([1, 1, 32, 64])
        let rgb = try gray.expanded(to: [1, 3, 32, 64]).contiguous()
        let a = try withNoGrad { try m(gray) }
        let b = try withNoGrad { try m(rgb) }
        let diff = try (a - b).abs().max().item()
        XCTAssertLessThan(diff, 1e-4)
        XCTAssertThrowsError(try m(Tensor.randn([1, 2, 32, 64])))
    }

    func testDecoderPredictsHalfSizeCentre() throws {
        let f = try ContextEncoder(backbone: .resnet18, decoderWidths: [16, 8, 8, 4])
        let y = try f(Tensor.randn([2, 1, 64, 96]))
        XCTAssertEqual(y.shape, [2, 1, 32, 48])
        let big = try ContextDecoder(inputChannels: 512)(Tensor.randn([1, 512, 8, 12]))
        XCTAssertEqual(big.shape, [1, 1, 128, 192])
    }

    func testDiscriminatorScoresAndKeys() throws {
        let d = try ProjectionDiscriminator(labelCount: 3, widths: [4, 4, 8, 8])
        let s = try d(Tensor.randn([2, 1, 32, 48]), labels: Tensor([Float](repeating: 1, count: 6), shape: [2, 3]))
        XCTAssertEqual(s.shape, [2])
        XCTAssertEqual(
            d.stateDict().map(\.name).filter { !$0.hasPrefix("features") }, ["linear.weight", "linear.bias", "projection.weight"])
        XCTAssertThrowsError(try d(Tensor.randn([2, 1, 32, 48]), labels: nil))
        let unconditional = try ProjectionDiscriminator(labelCount: 0, widths: [4, 4, 8, 8])
        XCTAssertNil(unconditional.projection)
        XCTAssertEqual(try unconditional(Tensor.randn([2, 1, 32, 48]), labels: nil).shape, [2])
    }
}

final class DownstreamModelTests: XCTestCase {
    func testUNetOutputsInputSizeForBothFamilies() throws {
        for backbone in [Backbone.vgg11bn, .resnet18] {
            let net = try UNet(backbone: backbone, outputChannels: 2, baseWidth: 4)
            let y = try net(Tensor.randn([2, 1, 64, 96]))
            XCTAssertEqual(y.shape, [2, 2, 64, 96], "\(backbone)")
            XCTAssertEqual(net.blocks.count, 5)
            XCTAssertTrue(
                net.stateDict().contains { $0.name == (backbone.isResNet ? "encoder.layer4.1.bn2.weight" : "encoder.features.0.weight") })
        }
    }

    func testClassifierHeadShapesAndKeys() throws {
        let c = try Classifier(backbone: .resnet18, outputs: 4, hiddenChannels: 8)
        XCTAssertEqual(try c(Tensor.randn([3, 1, 64, 96])).shape, [3, 4])
        XCTAssertEqual(c.head.stateDict().map(\.name), ["conv.weight", "conv.bias", "fc.weight", "fc.bias"])
    }
}
