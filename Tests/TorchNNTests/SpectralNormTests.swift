import Foundation
import Torch
import XCTest

@testable import TorchNN

final class SpectralNormTests: XCTestCase {
    /// W = [[3, 0], [0, 1]], u = [1, 1]/√2. One power step: v = norm(Wᵀu) = [3, 1]/√10,
    /// u = norm(W v) = [9, 1]/√82, σ = uᵀ W v = (81 + 1)/√820 = √8.2. The layer's output is then
    /// x·(W/σ)ᵀ: for x = [1, 1], [3, 1]/√8.2.
    func testOnePowerStepByHand() throws {
        let layer = try SpectralLinear(2, 2, bias: false)
        try withNoGrad {
            try layer.weight.copy(from: Tensor([3, 0, 0, 1] as [Float], shape: [2, 2]))
            try layer.spectralNorm.u.copy(from: Tensor([1, 1].map { Float($0 / 2.0.squareRoot()) }))
        }
        layer.train()
        let y = try layer(Tensor([1, 1] as [Float], shape: [1, 2])).toArray(of: Float.self)
        let s = 8.2.squareRoot()
        XCTAssertEqual(Double(y[0]), 3 / s, accuracy: 1e-5)
        XCTAssertEqual(Double(y[1]), 1 / s, accuracy: 1e-5)
        let u = try layer.spectralNorm.u.toArray(of: Float.self), v = try layer.spectralNorm.v.toArray(of: Float.self)
        XCTAssertEqual(Double(u[0]), 9 / 82.0.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(Double(v[1]), 1 / 10.0.squareRoot(), accuracy: 1e-6)
    }

    /// Power iteration converges to the largest singular value (3 here), and evaluation mode
    /// uses the stored vectors without updating them.
    func testConvergesAndEvaluationDoesNotIterate() throws {
        let layer = try SpectralLinear(2, 2, bias: false)
        try withNoGrad { try layer.weight.copy(from: Tensor([3, 0, 0, 1] as [Float], shape: [2, 2])) }
        try layer.spectralNorm.powerIterations(layer.weight, count: 50)
        XCTAssertEqual(try layer.spectralNorm.sigma(layer.weight).item(), 3, accuracy: 1e-4)
        layer.eval()
        let u0 = try layer.spectralNorm.u.toArray(of: Float.self)
        _ = try layer(Tensor([1, 2] as [Float], shape: [1, 2]))
        XCTAssertEqual(try layer.spectralNorm.u.toArray(of: Float.self), u0)
    }

    /// A discriminator runs on real and fake inputs before one backward: the second forward's
    /// power step must not invalidate what the first saved for autograd.
    func testTwoForwardsThenOneBackward() throws {
        let layer = try SpectralLinear(3, 2)
        layer.train()
        let a = try layer(Tensor.ones([4, 3])).sum()
        let b = try layer(Tensor.ones([4, 3])).sum()
        XCTAssertNoThrow(try (a + b).backward())
        XCTAssertNotNil(layer.weight.grad)
    }

    /// A 4×3×3×3 convolution kernel is normalised as the 4×27 matrix: after the 15 warm-up steps
    /// and 50 more, σ of W/σ is 1, checked against the largest singular value found by power
    /// iteration on WᵀW computed here in plain Swift.
    func testConvolutionUsesTheReshapedKernel() throws {
        let conv = try SpectralConv2d(3, 4, kernelSize: 3, padding: 1)
        try conv.spectralNorm.powerIterations(conv.weight, count: 50)
        let w = try conv.weight.toArray(of: Float.self).map(Double.init)
        let rows = 4, cols = 27
        var x = [Double](repeating: 1, count: cols)
        var top = 0.0
        for _ in 0..<500 {
            let wx = (0..<rows).map { r in (0..<cols).reduce(0.0) { $0 + w[r * cols + $1] * x[$1] } }
            let wtwx = (0..<cols).map { c in (0..<rows).reduce(0.0) { $0 + w[$1 * cols + c] * wx[$1] } }
            let n = wtwx.reduce(0) { $0 + $1 * $1 }.squareRoot()
            top = n.squareRoot()  // ‖WᵀW x‖ for unit x → σ²
            x = wtwx.map { $0 / n }
        }
        XCTAssertEqual(try conv.spectralNorm.sigma(conv.weight).item(), top, accuracy: 1e-3 * top)
        XCTAssertEqual(conv.stateDict().map(\.name), ["bias", "weight_orig", "weight_u", "weight_v"])
        XCTAssertEqual(try conv(Tensor.zeros([2, 3, 8, 8])).shape, [2, 4, 8, 8])
    }
}
