import TestSupport
import XCTest

@testable import Torch

/// Convolution, pooling, resampling and loss values worked out by hand.
final class NNOpsTests: XCTestCase {
    func testConv2dByHand() throws {
        // 3×3 input 1…9, 2×2 kernel [[1, 0], [0, -1]] → x[i][j] − x[i+1][j+1] = −4 everywhere; bias 0.5.
        let x = try Tensor.arange(1, 10).reshaped(to: [1, 1, 3, 3])
        let w = try Tensor([1, 0, 0, -1] as [Float], shape: [1, 1, 2, 2])
        let y = try x.conv2d(weight: w, bias: Tensor([0.5] as [Float]))
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(try floats(y), [-3.5, -3.5, -3.5, -3.5])
        // Padding 1, stride 2, 1×1 kernel of 2: samples padded rows/cols 0, 2, 4, i.e. original −1, 1, 3,
        // so only the centre pixel (5) lands inside.
        let picked = try x.conv2d(weight: Tensor.full([1, 1, 1, 1], value: 2), stride: 2, padding: 1)
        XCTAssertEqual(try floats(picked), [0, 0, 0, 0, 10, 0, 0, 0, 0])
        // Dilation 2 with a 2×2 kernel of ones sums the corners: 1 + 3 + 7 + 9.
        XCTAssertEqual(try floats(x.conv2d(weight: Tensor.ones([1, 1, 2, 2]), dilation: 2)), [20])
        // Two groups: each output channel sees only its own input channel.
        let twoChannels = try Tensor.cat([x, x * 10], dim: 1)
        let grouped = try twoChannels.conv2d(weight: Tensor.ones([2, 1, 3, 3]), groups: 2)
        XCTAssertEqual(try floats(grouped), [45, 450])
    }

    func testConvTranspose2dByHand() throws {
        // Stride 2 with a 2×2 kernel of ones copies each input pixel into a 2×2 block.
        let x = try Tensor([1, 2, 3, 4] as [Float], shape: [1, 1, 2, 2])
        let y = try x.convTranspose2d(weight: Tensor.ones([1, 1, 2, 2]), stride: 2)
        XCTAssertEqual(try floats(y), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        // 3×3 kernel, stride 2, padding 1, output padding 1 doubles the size exactly (decoder blocks).
        let up = try Tensor.zeros([1, 2, 8, 12]).convTranspose2d(
            weight: Tensor.zeros([2, 3, 3, 3]), stride: 2, padding: 1,
            outputPadding: 1)
        XCTAssertEqual(up.shape, [1, 3, 16, 24])
    }

    func testPoolsByHand() throws {
        let x = try Tensor.arange(0, 16).reshaped(to: [1, 1, 4, 4])
        XCTAssertEqual(try floats(x.maxPool2d(kernelSize: 2)), [5, 7, 13, 15])
        XCTAssertEqual(try floats(x.avgPool2d(kernelSize: 2)), [2.5, 4.5, 10.5, 12.5])
        XCTAssertEqual(try floats(x.maxPool2d(kernelSize: 3, stride: 1)), [10, 11, 14, 15])
        XCTAssertEqual(try floats(x.maxPool2d(kernelSize: 3, stride: 2, padding: 1)), [5, 7, 13, 15])
        XCTAssertEqual(try floats(x.adaptiveAvgPool2d(outputSize: 1)), [7.5])
        XCTAssertEqual(try floats(x.adaptiveAvgPool2d(outputSize: [1, 2])), [6.5, 8.5])
        XCTAssertThrowsError(try x.maxPool2d(kernelSize: [1, 2, 3]))
    }

    func testInterpolateByHand() throws {
        let x = try Tensor([1, 2, 3, 4] as [Float], shape: [1, 1, 2, 2])
        XCTAssertEqual(try floats(x.interpolated(scaleFactor: 2)), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        // align_corners: the corners stay, the middle is the average of neighbours.
        let aligned = try x.interpolated(size: 3, mode: .bilinear(alignCorners: true))
        assertClose(try floats(aligned), [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4], accuracy: 1e-5)
        // Half-pixel centres (align_corners false), 2 → 4: rows sample at −0.25, 0.25, 0.75, 1.25 clamped.
        let half = try Tensor([0, 4] as [Float], shape: [1, 1, 1, 2]).interpolated(size: [1, 4], mode: .bilinear(alignCorners: false))
        assertClose(try floats(half), [0, 1, 3, 4], accuracy: 1e-5)
        XCTAssertThrowsError(try Tensor.zeros([2, 2]).interpolated(scaleFactor: 2))
        XCTAssertThrowsError(try x.interpolated(scaleFactor: -1))
    }

    func testBatchNormFunctionalTrainingAndEval() throws {
        // Channel values 1, 3: mean 2, biased variance 1 → normalised −1, 1 (eps 0).
        let x = try Tensor([1, 3] as [Float], shape: [2, 1, 1, 1])
        let mean = try Tensor.zeros([1])
        let variance = try Tensor.ones([1])
        let y = try x.batchNorm(
            weight: Tensor([2] as [Float]), bias: Tensor([1] as [Float]), runningMean: mean,
            runningVar: variance, training: true, momentum: 0.5, eps: 0)
        assertClose(try floats(y), [-1, 3], accuracy: 1e-5)
        // running = 0.5·old + 0.5·batch, with the unbiased batch variance 2.
        assertClose(try floats(mean), [1], accuracy: 1e-5)
        assertClose(try floats(variance), [1.5], accuracy: 1e-5)
        let evaluated = try x.batchNorm(weight: nil, bias: nil, runningMean: mean, runningVar: variance, training: false, eps: 0)
        assertClose(try floats(evaluated), [0, Float(2 / 1.5.squareRoot())], accuracy: 1e-5)
    }

    func testLossesByHand() throws {
        let prediction = try Tensor([1, 2, 3] as [Float])
        let target = try Tensor([1, 0, 0] as [Float])
        XCTAssertEqual(try prediction.mseLoss(target: target).item(), 13.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(try prediction.mseLoss(target: target, reduction: .sum).item(), 13)
        XCTAssertEqual(try floats(prediction.mseLoss(target: target, reduction: .none)), [0, 4, 9])
        XCTAssertEqual(try prediction.l1Loss(target: target).item(), 5.0 / 3, accuracy: 1e-6)

        // BCE with logits: −w·[p·y·log σ(x) + (1 − y)·log(1 − σ(x))].
        let logits = try Tensor([0, 2, -1] as [Float])
        let labels = try Tensor([1, 0, 1] as [Float])
        func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        let plain = [-Foundation.log(sigmoid(0)), -Foundation.log(1 - sigmoid(2)), -Foundation.log(sigmoid(-1))]
        XCTAssertEqual(try logits.binaryCrossEntropyWithLogits(target: labels).item(), plain.reduce(0, +) / 3, accuracy: 1e-6)
        let weight = try Tensor([1, 2, 3] as [Float])
        let positive = try Tensor([4] as [Float])
        let weighted = try logits.binaryCrossEntropyWithLogits(
            target: labels, weight: weight, positiveWeight: positive,
            reduction: .sum)
        let expected = 1 * 4 * plain[0] + 2 * plain[1] + 3 * 4 * plain[2]
        XCTAssertEqual(try weighted.item(), expected, accuracy: 1e-5)
        XCTAssertThrowsError(try logits.binaryCrossEntropyWithLogits(target: Tensor.zeros([4])))

        // Cross-entropy of uniform logits over 4 classes is log 4.
        let ce = try Tensor.zeros([2, 4]).crossEntropy(target: Tensor([0, 3] as [Int64]))
        XCTAssertEqual(try ce.item(), Foundation.log(4), accuracy: 1e-6)
    }

    func testPadded() throws {
        let x = try Tensor([1, 2] as [Float], shape: [1, 2])
        XCTAssertEqual(try floats(x.padded([1, 2], value: 9)), [9, 1, 2, 9, 9])
    }
}
