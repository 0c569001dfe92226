import TestSupport
import Torch
import XCTest

@testable import TorchNN

final class LayerTests: XCTestCase {
    private func doubles(_ t: Tensor) throws -> [Double] { try t.toArray(of: Double.self) }

    /// Reference numbers from scripts/torch_reference.py (PyTorch 1.13); channel 0 checks by hand:
    /// values 1…4 have mean 2.5 and unbiased variance 5/3, so running_mean = 0.1·2.5 and
    /// running_var = 0.9 + 0.1·5/3.
    func testBatchNormMomentumAndRunningStatistics() throws {
        let bn = try BatchNorm2d(2)
        try bn.convert(to: .float64)
        let x = try Tensor([1, 2, 3, 4, 10, 20, 30, 40] as [Double], shape: [1, 2, 2, 2])
        let y = try bn(x)
        assertClose(
            try doubles(y),
            [
                -1.341635419968927, -0.4472118066563091, 0.4472118066563089, 1.3416354199689269,
                -1.3416407328342457, -0.4472135776114153, 0.4472135776114151, 1.3416407328342457
            ], accuracy: 1e-9)
        assertClose(try doubles(XCTUnwrap(bn.runningMean)), [0.25, 2.5], accuracy: 1e-9)
        assertClose(try doubles(XCTUnwrap(bn.runningVar)), [0.9 + 0.1 * 5 / 3, 17.566666666666666], accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(bn.numBatchesTracked).itemInt(), 1)
        bn.eval()
        assertClose(
            try doubles(bn(x)),
            [
                0.7261809734485556, 1.694422271379963, 2.6626635693113707, 3.630904867242778,
                1.789437191887009, 4.175353447736354, 6.561269703585699, 8.947185959435044
            ], accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(bn.numBatchesTracked).itemInt(), 1, "eval must not count batches")

        let cumulative = try BatchNorm2d(2, momentum: nil)
        try cumulative.convert(to: .float64)
        _ = try cumulative(x)
        _ = try cumulative(x * 2)
        assertClose(try doubles(XCTUnwrap(cumulative.runningMean)), [3.75, 37.5], accuracy: 1e-9)
        assertClose(try doubles(XCTUnwrap(cumulative.runningVar)), [4.166666666666667, 416.66666666666663], accuracy: 1e-9)
    }

    func testSequentialPoolingUpsampleActivationLayers() throws {
        let x = try Tensor.arange(0, 16).reshaped(to: [1, 1, 4, 4])
        let net = Sequential(MaxPool2d(kernelSize: 2), Upsample(scaleFactor: 2), LeakyReLU(negativeSlope: 0.5))
        XCTAssertEqual(
            try net(x).toArray(of: Float.self),
            [5, 5, 7, 7, 5, 5, 7, 7, 13, 13, 15, 15, 13, 13, 15, 15])
        XCTAssertEqual(try AdaptiveAvgPool2d(outputSize: 1)(x).toArray(of: Float.self), [7.5])
        XCTAssertEqual(try AvgPool2d(kernelSize: 2)(x).toArray(of: Float.self), [2.5, 4.5, 10.5, 12.5])
        XCTAssertEqual(try LeakyReLU(negativeSlope: 0.5)(Tensor([-2] as [Float])).toArray(of: Float.self), [-1])
        XCTAssertEqual(try Upsample(size: [2, 3])(Tensor.zeros([1, 1, 1, 1])).shape, [1, 1, 2, 3])
        XCTAssertEqual(net.count, 3)
        XCTAssertTrue(net.stateDict().isEmpty)
    }

    func testDropoutLayerFollowsMode() throws {
        let dropout = Dropout(p: 0.5)
        let x = try Tensor.ones([200])
        dropout.eval()
        XCTAssertEqual(try dropout(x).toArray(of: Float.self), [Float](repeating: 1, count: 200))
        dropout.train()
        XCTAssertTrue(try dropout(x).toArray(of: Float.self).contains(0))
    }

    func testConvLayersShapes() throws {
        let conv = try Conv2d(3, 8, kernelSize: 3, stride: 2, padding: 1)
        XCTAssertEqual(try conv(Tensor.zeros([2, 3, 16, 24])).shape, [2, 8, 8, 12])
        let up = try ConvTranspose2d(8, 4, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1)
        XCTAssertEqual(try up(Tensor.zeros([2, 8, 8, 12])).shape, [2, 4, 16, 24])
        let linear = try Linear(5, 3, bias: false)
        XCTAssertNil(linear.bias)
        XCTAssertEqual(linear.stateDict().map(\.name), ["weight"])
    }
}

final class GradientClippingTests: XCTestCase {
    func testClipsToMaxNormAndReportsTheOriginalNorm() throws {
        let a = try Tensor([3, 0] as [Double]).setRequiresGrad()
        let b = try Tensor([4] as [Double]).setRequiresGrad()
        try ((a * a).sum() * 0.5 + (b * b).sum() * 0.5).backward()  // grads (3, 0) and (4): norm 5
        XCTAssertEqual(try clipGradientNorm([a, b], maxNorm: 1), 5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(a.grad).toArray(of: Double.self)[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(b.grad).toArray(of: Double.self)[0], 0.8, accuracy: 1e-6)
        XCTAssertEqual(try clipGradientNorm([a, b], maxNorm: 10), 1, accuracy: 1e-5)
        XCTAssertEqual(try XCTUnwrap(b.grad).toArray(of: Double.self)[0], 0.8, accuracy: 1e-6, "no change under the limit")
    }
}
