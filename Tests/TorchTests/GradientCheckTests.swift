import XCTest

@testable import Torch

/// Autograd gradients against central finite differences, in float64.
final class GradientCheckTests: XCTestCase {
    /// Largest relative difference between autograd's ∂f/∂input and central differences over every
    /// element of `input` (f must return a scalar tensor).
    private func gradientError(of input: Tensor, step: Double = 1e-6, _ f: (Tensor) throws -> Tensor) throws -> Double {
        try input.setRequiresGrad(true)
        try input.zeroGrad()
        try f(input).backward()
        guard let gradient = input.grad else { return .infinity }
        let analytic = try gradient.toArray(of: Double.self)
        let values = try input.toArray(of: Double.self)
        var worst = 0.0
        for index in values.indices {
            var plus = values
            var minus = values
            plus[index] += step
            minus[index] -= step
            let fPlus = try withNoGrad { try f(Tensor(plus, shape: input.shape)).item() }
            let fMinus = try withNoGrad { try f(Tensor(minus, shape: input.shape)).item() }
            let numeric = (fPlus - fMinus) / (2 * step)
            worst = Swift.max(worst, Swift.abs(analytic[index] - numeric) / Swift.max(1, Swift.abs(numeric)))
        }
        return worst
    }

    private func checkGradient(
        of input: Tensor, tolerance: Double = 1e-6, file: StaticString = #filePath,
        line: UInt = #line, _ f: (Tensor) throws -> Tensor
    ) throws {
        XCTAssertLessThan(try gradientError(of: input, f), tolerance, file: file, line: line)
    }

    /// A fixed random projection turns any output into a scalar with non-trivial upstream gradients.
    private func projection(_ shape: [Int]) throws -> Tensor {
        try Tensor.randn(shape, dtype: .float64)
    }

    override func setUpWithError() throws {
        try TorchRuntime.manualSeed(1234)
    }

    func testConv2dGradients() throws {
        let x = try Tensor.randn([1, 2, 5, 5], dtype: .float64)
        let w = try Tensor.randn([3, 2, 3, 3], dtype: .float64)
        let b = try Tensor.randn([3], dtype: .float64)
        let p = try projection([1, 3, 3, 3])
        let f = { (x: Tensor, w: Tensor, b: Tensor) in try (x.conv2d(weight: w, bias: b, stride: 2, padding: 1) * p).sum() }
        try checkGradient(of: x) { try f($0, w, b) }
        try checkGradient(of: w) { try f(x, $0, b) }
        try checkGradient(of: b) { try f(x, w, $0) }
    }

    func testConvTranspose2dGradients() throws {
        let x = try Tensor.randn([1, 2, 3, 3], dtype: .float64)
        let w = try Tensor.randn([2, 3, 3, 3], dtype: .float64)
        let p = try projection([1, 3, 6, 6])
        let f = { (x: Tensor, w: Tensor) in
            try (x.convTranspose2d(weight: w, stride: 2, padding: 1, outputPadding: 1) * p).sum()
        }
        try checkGradient(of: x) { try f($0, w) }
        try checkGradient(of: w) { try f(x, $0) }
    }

    func testBatchNormTrainingGradients() throws {
        let x = try Tensor.randn([3, 2, 2, 2], dtype: .float64)
        let gamma = try Tensor.randn([2], dtype: .float64)
        let beta = try Tensor.randn([2], dtype: .float64)
        let p = try projection([3, 2, 2, 2])
        let f = { (x: Tensor, g: Tensor, b: Tensor) in
            try (x.batchNorm(weight: g, bias: b, runningMean: nil, runningVar: nil, training: true) * p).sum()
        }
        try checkGradient(of: x, tolerance: 1e-5) { try f($0, gamma, beta) }
        try checkGradient(of: gamma) { try f(x, $0, beta) }
        try checkGradient(of: beta) { try f(x, gamma, $0) }
    }

    func testInterpolateGradients() throws {
        let x = try Tensor.randn([1, 1, 3, 4], dtype: .float64)
        let p = try projection([1, 1, 6, 8])
        try checkGradient(of: x) { try ($0.interpolated(size: [6, 8], mode: .bilinear(alignCorners: false)) * p).sum() }
        try checkGradient(of: x) { try ($0.interpolated(size: [6, 8], mode: .bilinear(alignCorners: true)) * p).sum() }
        try checkGradient(of: x) { try ($0.interpolated(scaleFactor: 2) * p).sum() }
    }

    func testLossGradients() throws {
        let x = try Tensor.randn([2, 3], dtype: .float64)
        let target = try Tensor.rand([2, 3], dtype: .float64)
        let weight = try Tensor.rand([2, 3], dtype: .float64)
        let positive = try Tensor([0.5, 2, 3] as [Double])
        try checkGradient(of: x) { try $0.mseLoss(target: target) }
        try checkGradient(of: x) {
            try $0.binaryCrossEntropyWithLogits(target: target, weight: weight, positiveWeight: positive)
        }
        try checkGradient(of: x) { try $0.binaryCrossEntropyWithLogits(target: target, reduction: .sum) }
    }

    func testGradientCheckCanFail() throws {
        // Guard against a vacuous checker: hiding half of x² from autograd halves the analytic gradient.
        let x = try Tensor.randn([4], dtype: .float64)
        XCTAssertGreaterThan(try gradientError(of: x) { try ($0.detached() * $0).sum() }, 0.1)
    }

    func testAutogradBasicsAndNoGrad() throws {
        let x = try Tensor([1, 2, 3] as [Double]).setRequiresGrad()
        XCTAssertTrue(x.requiresGrad)
        XCTAssertTrue(x.isLeaf)
        let y = try (x * x).sum()
        XCTAssertFalse(y.isLeaf)
        try y.backward()
        XCTAssertEqual(try XCTUnwrap(x.grad).toArray(of: Double.self), [2, 4, 6])
        try (x * 3).sum().backward()  // gradients accumulate
        XCTAssertEqual(try XCTUnwrap(x.grad).toArray(of: Double.self), [5, 7, 9])
        try x.zeroGrad(setToNone: false)
        XCTAssertEqual(try XCTUnwrap(x.grad).toArray(of: Double.self), [0, 0, 0])
        try x.zeroGrad()
        XCTAssertNil(x.grad)

        let z = try withNoGrad { try x * 2 }
        XCTAssertFalse(z.requiresGrad)
        XCTAssertTrue(isGradEnabled)
        XCTAssertThrowsError(try withNoGrad { () throws -> Void in throw TorchError(operation: "t", message: "m") })
        XCTAssertTrue(isGradEnabled, "grad mode restored after a throw")
        XCTAssertFalse(try x.detached().requiresGrad)
        XCTAssertThrowsError(try (x * 2).backward(), "non-scalar backward needs a gradient")
        try (x * 2).backward(gradient: Tensor.ones([3], dtype: .float64))
        XCTAssertEqual(try XCTUnwrap(x.grad).toArray(of: Double.self), [2, 2, 2])

        let grads = try Tensor.gradients(of: [(x * x * x).sum()], withRespectTo: [x], createGraph: true)
        let first = try XCTUnwrap(grads[0])
        XCTAssertEqual(try first.toArray(of: Double.self), [3, 12, 27])
        let second = try Tensor.gradients(of: [first.sum()], withRespectTo: [x])
        XCTAssertEqual(try XCTUnwrap(second[0]).toArray(of: Double.self), [6, 12, 18])
    }
}
