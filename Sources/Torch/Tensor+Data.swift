import CTorch

#if canImport(Foundation)
    import Foundation
#endif

extension Tensor {
    /// A CPU tensor holding a copy of `values`, laid out row-major in `shape`.
    public convenience init<T: TensorScalar>(_ values: [T], shape: [Int]) throws {
        let expected = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), expected == values.count else {
            throw TorchError(
                operation: "Tensor(\(values.count) values, shape: \(shape))",
                message: "shape needs \(expected) values")
        }
        let dims = shape.map(Int64.init)
        var out: ct_tensor?
        let error = values.withUnsafeBytes { bytes in
            ct_from_data(bytes.baseAddress, bytes.count, dims, Int64(dims.count), T.dtype.rawValue, &out)
        }
        try check(error, "Tensor(\(values.count) values, shape: \(shape))")
        guard let out else { throw TorchError(operation: "Tensor(values)", message: "libtorch returned no tensor") }
        self.init(handle: out)
    }

    /// A 1-D CPU tensor holding a copy of `values`.
    public convenience init<T: TensorScalar>(_ values: [T]) throws {
        try self.init(values, shape: [values.count])
    }

    /// A 0-D CPU tensor.
    public convenience init<T: TensorScalar>(scalar: T) throws {
        try self.init([scalar], shape: [])
    }

    /// A CPU tensor holding a copy of raw little-endian element bytes (any dtype, including
    /// float16/bfloat16 that Swift arrays cannot express portably).
    public convenience init(bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType) throws {
        let dims = shape.map(Int64.init)
        var out: ct_tensor?
        try check(
            ct_from_data(bytes.baseAddress, bytes.count, dims, Int64(dims.count), dtype.rawValue, &out),
            "Tensor(\(bytes.count) bytes, shape: \(shape), dtype: \(dtype))")
        guard let out else { throw TorchError(operation: "Tensor(bytes)", message: "libtorch returned no tensor") }
        self.init(handle: out)
    }

    /// Wraps memory the caller owns without copying. `deallocate` runs once libtorch no longer
    /// needs the memory (possibly on another thread, possibly after this tensor is gone).
    public convenience init(
        bytesNoCopy pointer: UnsafeMutableRawPointer, shape: [Int], dtype: DType,
        deallocate: @escaping () -> Void
    ) throws {
        let dims = shape.map(Int64.init)
        let box = Unmanaged.passRetained(Deallocator(deallocate)).toOpaque()
        var out: ct_tensor?
        let error = ct_from_blob(
            pointer, dims, Int64(dims.count), dtype.rawValue,
            { context in
                guard let context else { return }
                let deallocator = Unmanaged<Deallocator>.fromOpaque(context).takeRetainedValue()
                deallocator.run()
            }, box, &out)
        if error != nil {
            // libtorch did not take ownership, so the callback will never run: release here.
            Unmanaged<Deallocator>.fromOpaque(box).release()
        }
        try check(error, "Tensor(bytesNoCopy:, shape: \(shape), dtype: \(dtype))")
        guard let out else { throw TorchError(operation: "Tensor(bytesNoCopy:)", message: "libtorch returned no tensor") }
        self.init(handle: out)
    }

    /// All elements in row-major order, converted to `T`'s dtype first when they differ.
    public func toArray<T: TensorScalar>(of type: T.Type = T.self) throws -> [T] {
        let source = dtype == T.dtype ? self : try to(dtype: T.dtype)
        let n = source.count
        // `source` may be a temporary conversion: keep it alive until the C call has copied it.
        return try withExtendedLifetime(source) {
            try [T](unsafeUninitializedCapacity: n) { buffer, initialized in
                let bytes = UnsafeMutableRawBufferPointer(buffer)
                try check(
                    ct_copy_to_buffer(source.handle, bytes.baseAddress, n * MemoryLayout<T>.stride),
                    describe("toArray", source))
                initialized = n
            }
        }
    }

    /// The raw bytes of all elements in row-major order (little-endian, as libtorch stores them).
    public func rawBytes() throws -> [UInt8] {
        let n = count * dtype.byteSize
        return try [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            try check(ct_copy_to_buffer(handle, buffer.baseAddress, n), describe("rawBytes", self))
            initialized = n
        }
    }

    /// Reads the elements of a contiguous CPU tensor in place, without copying.
    /// Throws when the tensor is on a GPU or not contiguous (call `contiguous()` / `to(device: .cpu)`).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        var pointer: UnsafeMutableRawPointer?
        try check(ct_data_ptr(handle, &pointer), describe("withUnsafeBytes", self))
        let n = count * dtype.byteSize
        guard let pointer else {
            if n == 0 { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
            throw TorchError(
                operation: describe("withUnsafeBytes", self),
                message: "needs a contiguous CPU tensor (device \(device), contiguous \(isContiguous))")
        }
        return try withExtendedLifetime(self) { try body(UnsafeRawBufferPointer(start: pointer, count: n)) }
    }

    /// The single value of a one-element tensor.
    public func item() throws -> Double {
        var value = 0.0
        try check(ct_item_double(handle, &value), describe("item", self))
        return value
    }

    /// The single value of a one-element tensor, exactly, as an integer.
    public func itemInt() throws -> Int {
        var value: Int64 = 0
        try check(ct_item_int64(handle, &value), describe("itemInt", self))
        return Int(value)
    }

    public func itemFloat() throws -> Float { Float(try item()) }
}

/// Carries a Swift closure through the C deleter's context pointer.
private final class Deallocator {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
    func run() { body() }
}
