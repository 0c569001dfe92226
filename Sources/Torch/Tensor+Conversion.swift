import CTorch

extension Tensor {
    /// This tensor on `device` (self's storage when already there, unless `copy`). Throws a clear
    /// error when CUDA is requested from a libtorch without it.
    public func to(device: Device, copy: Bool = false) throws -> Tensor {
        try makeTensor(describe("to(\(device))", self)) { ct_to(handle, device.code, dtype.rawValue, copy, $0) }
    }

    public func to(dtype: DType, copy: Bool = false) throws -> Tensor {
        try makeTensor(describe("to(\(dtype))", self)) { ct_to(handle, device.code, dtype.rawValue, copy, $0) }
    }

    public func to(device: Device, dtype: DType, copy: Bool = false) throws -> Tensor {
        try makeTensor(describe("to(\(device), \(dtype))", self)) { ct_to(handle, device.code, dtype.rawValue, copy, $0) }
    }

    /// A deep copy that stays in the autograd graph (like `tensor.clone()`).
    public func clone() throws -> Tensor { try makeTensor(describe("clone", self)) { ct_clone(handle, $0) } }
}
