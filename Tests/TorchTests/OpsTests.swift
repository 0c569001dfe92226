import TestSupport
import XCTest

@testable import Torch

/// Small ops checked against values worked out by hand.
final class OpsTests: XCTestCase {
    func testElementwiseWithBroadcastingAndOperators() throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let row = try Tensor([10, 20, 30] as [Float])
        XCTAssertEqual(try floats(a + row), [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(try floats(a * 2 - 1), [1, 3, 5, 7, 9, 11])
        XCTAssertEqual(try floats(1 - a), [0, -1, -2, -3, -4, -5])
        XCTAssertEqual(try floats(12 / a), [12, 6, 4, 3, 2.4, 2])
        XCTAssertEqual(try floats(-a), [-1, -2, -3, -4, -5, -6])
        let column = try Tensor([1, 2] as [Float], shape: [2, 1])
        XCTAssertEqual(try floats(a / column), [1, 2, 3, 2, 2.5, 3])
        XCTAssertEqual(try floats(a.pow(2)), [1, 4, 9, 16, 25, 36])
        assertClose(try floats(Tensor([0, 1] as [Float]).exp()), [1, 2.7182817], accuracy: 1e-5)
        assertClose(try floats(Tensor([1, 4] as [Float]).sqrt()), [1, 2], accuracy: 1e-5)
        assertClose(try floats(Tensor([0] as [Float]).sigmoid()), [0.5], accuracy: 1e-5)
        XCTAssertEqual(try floats(Tensor([-1, 2] as [Float]).abs()), [1, 2])
        XCTAssertEqual(try floats(Tensor([-1, 2] as [Float]).relu()), [0, 2])
        XCTAssertEqual(try floats(Tensor([-2, 2] as [Float]).leakyRelu(negativeSlope: 0.2)), [-0.4, 2])
    }

    func testComparisonsWhereClamp() throws {
        let a = try Tensor([1, 5, 3] as [Float])
        let b = try Tensor([2, 2, 3] as [Float])
        XCTAssertEqual(try a.gt(b).toArray(of: Bool.self), [false, true, false])
        XCTAssertEqual(try a.ge(b).toArray(of: Bool.self), [false, true, true])
        XCTAssertEqual(try a.eq(3).toArray(of: Bool.self), [false, false, true])
        XCTAssertEqual(try floats(Tensor.where(a.gt(b), a, b)), [2, 5, 3])
        XCTAssertEqual(try floats(a.clamped(min: 2, max: 4)), [2, 4, 3])
        XCTAssertEqual(try floats(a.clamped(max: 2)), [1, 2, 2])
        XCTAssertEqual(try floats(a.maximum(b)), [2, 5, 3])
    }

    func testReductions() throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        XCTAssertEqual(try a.sum().item(), 21)
        XCTAssertEqual(try floats(a.sum(dims: [0])), [5, 7, 9])
        XCTAssertEqual(try a.sum(dims: [1], keepingDims: true).shape, [2, 1])
        XCTAssertEqual(try floats(a.mean(dims: [1])), [2, 5])
        XCTAssertEqual(try a.mean().item(), 3.5)
        // Row 1, 2, 3: mean 2, squared deviations 1 + 0 + 1 = 2, unbiased / 2 = 1, biased / 3.
        assertClose(try floats(a.variance(dims: [1])), [1, 1], accuracy: 1e-5)
        assertClose(try floats(a.variance(dims: [1], unbiased: false)), [2.0 / 3, 2.0 / 3], accuracy: 1e-5)
        XCTAssertEqual(try a.max().item(), 6)
        XCTAssertEqual(try a.min().item(), 1)
        let (values, indices) = try a.max(dim: 1)
        XCTAssertEqual(try floats(values), [3, 6])
        XCTAssertEqual(try indices.toArray(of: Int64.self), [2, 2])
        XCTAssertEqual(try Tensor([3, 9, 1] as [Float]).argmax().itemInt(), 1)
        XCTAssertEqual(try a.argmax(dim: 0).toArray(of: Int64.self), [1, 1, 1])
        XCTAssertThrowsError(try a.sum(dims: []))
    }

    func testShapeOps() throws {
        let a = try Tensor.arange(0, 6).reshaped(to: [2, 3])
        XCTAssertEqual(try floats(a.transposed(0, 1)), [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(try floats(a.permuted([1, 0]).contiguous()), [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(try floats(a.narrowed(dim: 1, start: 1, length: 2)), [1, 2, 4, 5])
        XCTAssertEqual(try floats(a.sliced(dim: 1, start: 0, end: 3, step: 2)), [0, 2, 3, 5])
        XCTAssertEqual(try floats(a[1]), [3, 4, 5])
        XCTAssertEqual(try floats(a[0..<1]), [0, 1, 2])
        XCTAssertEqual(try floats(a.indexSelect(dim: 1, indices: Tensor([2, 0] as [Int64]))), [2, 0, 5, 3])
        XCTAssertEqual(try floats(Tensor.cat([a, a], dim: 0)).count, 12)
        XCTAssertEqual(try Tensor.cat([a, a], dim: 1).shape, [2, 6])
        XCTAssertEqual(try Tensor.stack([a, a], dim: 0).shape, [2, 2, 3])
        XCTAssertEqual(try floats(a.flipped(dims: [1])), [2, 1, 0, 5, 4, 3])
        XCTAssertEqual(try floats(a.rolled(shifts: [1], dims: [1])), [2, 0, 1, 5, 3, 4])
        XCTAssertEqual(try a.unsqueezed(dim: 0).shape, [1, 2, 3])
        XCTAssertEqual(try a.unsqueezed(dim: 0).squeezed().shape, [2, 3])
        XCTAssertEqual(try Tensor([1, 2] as [Float], shape: [2, 1]).expanded(to: [2, 3]).shape, [2, 3])
        XCTAssertEqual(try floats(Tensor([1, 2] as [Float]).repeated([2])), [1, 2, 1, 2])
        XCTAssertEqual(try a.viewed(as: [3, 2]).shape, [3, 2])
        XCTAssertEqual(try a.reshaped(to: [-1]).shape, [6])
        XCTAssertEqual(try Tensor.zeros([2, 3, 4, 5]).flattened(startDim: 1).shape, [2, 60])
        XCTAssertThrowsError(try a.transposed(0, 1).viewed(as: [6]))
    }

    func testMatmul() throws {
        let a = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        let b = try Tensor([5, 6, 7, 8] as [Float], shape: [2, 2])
        XCTAssertEqual(try floats(a.matmul(b)), [19, 22, 43, 50])
        let w = try Tensor([1, 0, 0, 1, 1, 1] as [Float], shape: [3, 2])
        XCTAssertEqual(try floats(a.linear(weight: w, bias: Tensor([0, 0, 10] as [Float]))), [1, 2, 13, 3, 4, 17])
    }

    func testShapeErrorNamesOpAndShapesAndProcessCarriesOn() throws {
        let a = try Tensor.zeros([2, 3])
        let b = try Tensor.zeros([4, 5])
        XCTAssertThrowsError(try a.matmul(b)) { error in
            guard let error = error as? TorchError else { return XCTFail("not a TorchError: \(error)") }
            XCTAssertTrue(error.operation.contains("matmul"), error.description)
            XCTAssertTrue(error.description.contains("[2, 3]") && error.description.contains("[4, 5]"), error.description)
            XCTAssertFalse(error.message.contains("Exception raised from"), "backtrace leaked: \(error.message)")
            XCTAssertFalse(error.message.isEmpty)
        }
        XCTAssertThrowsError(try a + b)
        let image = try Tensor.zeros([1, 3, 8, 8])
        XCTAssertThrowsError(try image.conv2d(weight: Tensor.zeros([4, 2, 3, 3]))) { error in
            XCTAssertTrue("\(error)".contains("conv2d"), "\(error)")
        }
        // Still fully usable afterwards.
        XCTAssertEqual(try (a + 1).sum().item(), 6)
    }

    func testSoftmaxAndLogSoftmax() throws {
        let x = try Tensor([0, Float(log(3.0))] as [Float])  // softmax = [1/4, 3/4]
        assertClose(try floats(x.softmax(dim: 0)), [0.25, 0.75], accuracy: 1e-5)
        assertClose(try floats(x.logSoftmax(dim: 0)), [Float(log(0.25)), Float(log(0.75))], accuracy: 1e-5)
    }

    func testDropout() throws {
        let x = try Tensor.ones([1000])
        XCTAssertEqual(try floats(x.dropout(p: 0.5, training: false)), [Float](repeating: 1, count: 1000))
        let kept = try floats(x.dropout(p: 0.5, training: true))
        XCTAssertTrue(kept.allSatisfy { $0 == 0 || $0 == 2 })
        XCTAssertTrue((300...700).contains(kept.filter { $0 == 0 }.count))
        XCTAssertThrowsError(try x.dropout(p: 1.5, training: true))
    }
}
