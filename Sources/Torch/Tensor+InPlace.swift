import CTorch

/// In-place updates, for optimizers, initialisers and state loading. They mutate storage shared
/// by every alias of the tensor; on tensors that require grad, call them inside `withNoGrad`.
extension Tensor {
    /// Copies `source` (broadcast, converted to this dtype and device) into this tensor.
    public func copy(from source: Tensor) throws {
        try check(ct_copy_(handle, source.handle), describe("copy_", self, source))
    }

    public func zero() throws { try check(ct_zero_(handle), describe("zero_", self)) }

    public func fill(_ value: Double) throws { try check(ct_fill_(handle, value), describe("fill_", self)) }

    /// `self += alpha * other`.
    public func addInPlace(_ other: Tensor, alpha: Double = 1) throws {
        try check(ct_add_(handle, other.handle, alpha), describe("add_", self, other))
    }

    public func addInPlace(_ value: Double) throws { try check(ct_add_scalar_(handle, value), describe("add_", self)) }

    public func mulInPlace(_ other: Tensor) throws { try check(ct_mul_(handle, other.handle), describe("mul_", self, other)) }

    public func mulInPlace(_ value: Double) throws { try check(ct_mul_scalar_(handle, value), describe("mul_", self)) }

    public func divInPlace(_ other: Tensor) throws { try check(ct_div_(handle, other.handle), describe("div_", self, other)) }

    /// `self += value * a * b`.
    public func addcmulInPlace(_ a: Tensor, _ b: Tensor, value: Double = 1) throws {
        try check(ct_addcmul_(handle, a.handle, b.handle, value), describe("addcmul_", self, a, b))
    }

    /// `self += value * a / b`.
    public func addcdivInPlace(_ a: Tensor, _ b: Tensor, value: Double = 1) throws {
        try check(ct_addcdiv_(handle, a.handle, b.handle, value), describe("addcdiv_", self, a, b))
    }

    public func sqrtInPlace() throws { try check(ct_sqrt_(handle), describe("sqrt_", self)) }

    public func clampInPlace(min: Double? = nil, max: Double? = nil) throws {
        try check(ct_clamp_(handle, min ?? 0, min != nil, max ?? 0, max != nil), describe("clamp_", self))
    }

    /// Fills with samples uniform in [low, high).
    public func fillUniform(low: Double, high: Double) throws {
        try check(ct_uniform_(handle, low, high), describe("uniform_", self))
    }

    /// Fills with normal samples.
    public func fillNormal(mean: Double = 0, std: Double = 1) throws {
        try check(ct_normal_(handle, mean, std), describe("normal_", self))
    }
}

extension Tensor {
    /// Makes this tensor use `source`'s storage, dtype and device while staying the same object
    /// (PyTorch's `param.data = source`); used to move registered parameters between devices.
    public func setData(_ source: Tensor) throws {
        try check(ct_set_data(handle, source.handle), describe("set_data", self, source))
    }
}

/// In-place activations: the output overwrites the input, saving an allocation and a pass over
/// memory. Valid under autograd only where nothing saved for backward is the input (e.g. right
/// after a batch norm or an addition); libtorch refuses otherwise, with an error, at backward.
extension Tensor {
    public func reluInPlace() throws { try check(ct_relu_(handle), describe("relu_", self)) }

    public func leakyReluInPlace(negativeSlope: Double = 0.01) throws {
        try check(ct_leaky_relu_(handle, negativeSlope), describe("leaky_relu_", self))
    }
}
