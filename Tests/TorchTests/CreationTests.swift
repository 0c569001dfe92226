import XCTest

@testable import Torch

final class CreationTests: XCTestCase {
    func testArrayRoundTripKeepsShapeAndValues() throws {
        let t = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(t.rank, 2)
        XCTAssertEqual(t.count, 6)
        XCTAssertEqual(t.dtype, .float32)
        XCTAssertEqual(t.device, .cpu)
        XCTAssertEqual(try t.toArray(of: Float.self), [1, 2, 3, 4, 5, 6])
    }

    func testEveryScalarTypeRoundTrips() throws {
        XCTAssertEqual(try Tensor([1.5, -2.25] as [Double]).toArray(of: Double.self), [1.5, -2.25])
        XCTAssertEqual(try Tensor([Int64.max, Int64.min]).toArray(of: Int64.self), [Int64.max, Int64.min])
        XCTAssertEqual(try Tensor([Int32.max, -7] as [Int32]).toArray(of: Int32.self), [Int32.max, -7])
        XCTAssertEqual(try Tensor([0, 255] as [UInt8]).toArray(of: UInt8.self), [0, 255])
        XCTAssertEqual(try Tensor([true, false, true]).toArray(of: Bool.self), [true, false, true])
        XCTAssertEqual(try Tensor([3, -4] as [Int]).dtype, .int64)
    }

    func testToArrayConvertsDtype() throws {
        let t = try Tensor([1.75, -1.75] as [Float])
        XCTAssertEqual(try t.toArray(of: Int64.self), [1, -1])  // truncation toward zero, as torch .long()
        XCTAssertEqual(try t.to(dtype: .float16).toArray(of: Float.self), [1.75, -1.75])
    }

    func testWrongValueCountThrows() {
        XCTAssertThrowsError(try Tensor([1, 2, 3] as [Float], shape: [2, 2])) { error in
            XCTAssertTrue("\(error)".contains("[2, 2]"), "\(error)")
        }
    }

    func testFactories() throws {
        XCTAssertEqual(try floats(Tensor.zeros([2, 2])), [0, 0, 0, 0])
        XCTAssertEqual(try floats(Tensor.ones([3])), [1, 1, 1])
        XCTAssertEqual(try floats(Tensor.full([2], value: 2.5)), [2.5, 2.5])
        XCTAssertEqual(try Tensor.full([], integer: 1 << 60).itemInt(), 1 << 60)
        XCTAssertEqual(try floats(Tensor.arange(0, 5)), [0, 1, 2, 3, 4])
        XCTAssertEqual(try floats(Tensor.arange(1, 2, step: 0.25)), [1, 1.25, 1.5, 1.75])
        XCTAssertEqual(try floats(Tensor.eye(2)), [1, 0, 0, 1])
        XCTAssertEqual(try Tensor.randperm(5).toArray(of: Int64.self).sorted(), [0, 1, 2, 3, 4])
        let r = try Tensor.randint(low: 3, high: 5, shape: [100]).toArray(of: Int64.self)
        XCTAssertTrue(r.allSatisfy { $0 == 3 || $0 == 4 })
    }

    func testManualSeedMakesRandomReproducible() throws {
        try TorchRuntime.manualSeed(42)
        let a = try floats(Tensor.randn([5]))
        let u = try floats(Tensor.rand([5]))
        try TorchRuntime.manualSeed(42)
        XCTAssertEqual(try floats(Tensor.randn([5])), a)
        XCTAssertEqual(try floats(Tensor.rand([5])), u)
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    func testRawBytesAndNoCopyWrapping() throws {
        let t = try Tensor([1, 2] as [Int32])
        XCTAssertEqual(try t.rawBytes(), [1, 0, 0, 0, 2, 0, 0, 0])  // little-endian
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
        pointer.storeBytes(of: 7, toByteOffset: 0, as: Float.self)
        pointer.storeBytes(of: 9, toByteOffset: 4, as: Float.self)
        let released = expectation(description: "deallocator runs")
        do {
            let wrapped = try Tensor(bytesNoCopy: pointer, shape: [2], dtype: .float32) {
                pointer.deallocate()
                released.fulfill()
            }
            XCTAssertEqual(try floats(wrapped), [7, 9])
            pointer.storeBytes(of: 11, toByteOffset: 0, as: Float.self)  // shared, not copied
            XCTAssertEqual(try floats(wrapped), [11, 9])
        }
        wait(for: [released], timeout: 5)
    }

    func testWithUnsafeBytesReadsInPlace() throws {
        let t = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        let sum = try t.withUnsafeBytes { $0.bindMemory(to: Float.self).reduce(0, +) }
        XCTAssertEqual(sum, 10)
        XCTAssertThrowsError(try t.transposed(0, 1).withUnsafeBytes { _ in 0 })
    }

    func testItemAndDescription() throws {
        XCTAssertEqual(try Tensor(scalar: Float(3.5)).item(), 3.5)
        let text = "\(try Tensor([1, 2] as [Float]))"
        XCTAssertTrue(text.hasPrefix("Tensor(shape: [2], dtype: float32, device: cpu)"), text)
        XCTAssertTrue(text.contains("1") && text.contains("2"), text)
        XCTAssertThrowsError(try Tensor([1, 2] as [Float]).item())
    }

    func testCUDARequestFailsClearlyWithoutGPU() throws {
        try XCTSkipIf(Device.isCUDAAvailable, "a GPU is present")
        XCTAssertThrowsError(try Tensor.zeros([2], device: .cuda(0))) { error in
            XCTAssertTrue("\(error)".contains("CUDA"), "\(error)")
        }
        XCTAssertThrowsError(try Tensor.zeros([2]).to(device: .cuda(0)))
        XCTAssertThrowsError(try Device(parsing: "cuda:0"))
        XCTAssertEqual(try Device(parsing: "cpu"), .cpu)
        XCTAssertThrowsError(try Device(parsing: "gpu"))
    }

    func testThreadCount() throws {
        let before = TorchRuntime.threadCount
        try TorchRuntime.setThreadCount(1)
        XCTAssertEqual(TorchRuntime.threadCount, 1)
        try TorchRuntime.setThreadCount(before)
        XCTAssertThrowsError(try TorchRuntime.setThreadCount(0))
    }
}
