import CTorch

/// An n-dimensional array backed by one libtorch tensor handle, freed when the last reference goes.
///
/// Operations return new tensors and `throw TorchError` on bad input (shape mismatch, wrong dtype,
/// missing device); the process always carries on. Tensors may be shared across threads for reading.
public final class Tensor: @unchecked Sendable {
    let handle: ct_tensor

    init(handle: ct_tensor) {
        self.handle = handle
    }

    deinit {
        ct_tensor_free(handle)
    }

    /// Number of dimensions.
    public var rank: Int {
        var n: Int64 = 0
        trapOnFailure(ct_ndim(handle, &n), "a tensor's rank")
        return Int(n)
    }

    /// Size of each dimension.
    public var shape: [Int] {
        let n = rank
        guard n > 0 else { return [] }
        var sizes = [Int64](repeating: 0, count: n)
        trapOnFailure(ct_sizes(handle, &sizes, Int64(n)), "a tensor's shape")
        return sizes.map { Int($0) }
    }

    /// Size of one dimension; negative indices count from the end.
    public func size(_ dim: Int) throws -> Int {
        let s = shape
        let d = dim < 0 ? dim + s.count : dim
        guard d >= 0, d < s.count else {
            throw TorchError(operation: "size(\(dim)) of \(s)", message: "dimension out of range")
        }
        return s[d]
    }

    /// Total number of elements.
    public var count: Int {
        var n: Int64 = 0
        trapOnFailure(ct_numel(handle, &n), "a tensor's element count")
        return Int(n)
    }

    public var dtype: DType {
        var code: Int32 = 0
        trapOnFailure(ct_dtype_of(handle, &code), "a tensor's dtype")
        guard let type = DType(rawValue: code) else {
            preconditionFailure("libtorch reported dtype code \(code), which SonoTag does not know")
        }
        return type
    }

    public var device: Device {
        var code: Int32 = -1
        trapOnFailure(ct_device_of(handle, &code), "a tensor's device")
        return Device(code: code)
    }

    public var isContiguous: Bool {
        var flag = false
        trapOnFailure(ct_is_contiguous(handle, &flag), "whether a tensor is contiguous")
        return flag
    }

    /// Whether this is a 4-D tensor stored in channels-last (NHWC) order.
    public var isChannelsLast: Bool {
        var flag = false
        trapOnFailure(ct_is_channels_last(handle, &flag), "whether a tensor is channels-last")
        return flag
    }

    /// A second handle to the same storage and autograd history (no copy).
    public func alias() throws -> Tensor {
        try makeTensor("alias") { ct_shallow_clone(handle, $0) }
    }
}

extension Tensor: CustomStringConvertible {
    /// Shape, dtype and device, followed by libtorch's rendering of the values for tensors up to
    /// 1,000 elements.
    public var description: String {
        var header = "Tensor(shape: \(shape), dtype: \(dtype), device: \(device)"
        if requiresGrad { header += ", requiresGrad: true" }
        header += ")"
        guard count <= 1000 else { return header }
        var text: UnsafeMutablePointer<CChar>?
        guard ct_to_string(handle, &text) == nil, let text else { return header }
        defer { ct_string_free(text) }
        return header + "\n" + String(cString: text)
    }
}
