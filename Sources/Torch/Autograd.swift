import CTorch

extension Tensor {
    /// Whether autograd records operations on this tensor.
    public var requiresGrad: Bool {
        var flag = false
        trapOnFailure(ct_requires_grad(handle, &flag), "whether a tensor requires grad")
        return flag
    }

    /// Turns gradient recording on or off for this leaf tensor; returns self for chaining.
    @discardableResult
    public func setRequiresGrad(_ flag: Bool = true) throws -> Tensor {
        try check(ct_set_requires_grad(handle, flag), describe("requires_grad_(\(flag))", self))
        return self
    }

    /// True for tensors created by the user rather than by a recorded op.
    public var isLeaf: Bool {
        var flag = false
        trapOnFailure(ct_is_leaf(handle, &flag), "whether a tensor is a leaf")
        return flag
    }

    /// Accumulates gradients of this tensor into the leaves that require grad. A non-scalar
    /// tensor needs `gradient` (the upstream gradient of the same shape).
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false) throws {
        try check(ct_backward(handle, gradient?.handle, retainGraph || createGraph, createGraph), describe("backward", self))
    }

    /// The accumulated gradient, or nil when none has been computed.
    public var grad: Tensor? {
        var out: ct_tensor?
        trapOnFailure(ct_grad(handle, &out), "a tensor's gradient")
        return out.map { Tensor(handle: $0) }
    }

    /// Drops the accumulated gradient (`setToNone`, PyTorch's default) or zeroes it in place.
    public func zeroGrad(setToNone: Bool = true) throws {
        try check(ct_zero_grad(handle, setToNone), describe("zero_grad", self))
    }

    /// The same values cut from the autograd graph (shares storage).
    public func detached() throws -> Tensor { try makeTensor(describe("detach", self)) { ct_detach(handle, $0) } }

    /// `torch.autograd.grad`: gradients of `outputs` with respect to `inputs`, without touching
    /// `.grad`. Entries are nil for inputs the outputs do not depend on (with `allowUnused`).
    public static func gradients(
        of outputs: [Tensor], withRespectTo inputs: [Tensor], gradOutputs: [Tensor]? = nil,
        retainGraph: Bool = false, createGraph: Bool = false,
        allowUnused: Bool = false
    ) throws -> [Tensor?] {
        if let gradOutputs, gradOutputs.count != outputs.count {
            throw TorchError(operation: "gradients", message: "\(gradOutputs.count) grad outputs for \(outputs.count) outputs")
        }
        let outHandles: [ct_tensor?] = outputs.map { $0.handle }
        let inHandles: [ct_tensor?] = inputs.map { $0.handle }
        let gradHandles: [ct_tensor?]? = gradOutputs?.map { $0.handle }
        var results = [ct_tensor?](repeating: nil, count: inputs.count)
        let error = withExtendedLifetime((outputs, inputs, gradOutputs)) {
            ct_autograd_grad(
                outHandles, gradHandles, Int64(outputs.count), inHandles, Int64(inputs.count),
                retainGraph || createGraph, createGraph, allowUnused, &results)
        }
        try check(error, "gradients(of: \(outputs.map(\.shape)), withRespectTo: \(inputs.map(\.shape)))")
        return results.map { $0.map(Tensor.init(handle:)) }
    }
}

/// Whether autograd records operations on the current thread.
public var isGradEnabled: Bool {
    var flag = true
    trapOnFailure(ct_is_grad_enabled(&flag), "whether autograd is enabled")
    return flag
}

/// Runs `body` with gradient recording off on this thread, restoring the previous mode after
/// (also when `body` throws). Like `with torch.no_grad():`.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try withGradEnabled(false, body)
}

/// Runs `body` with gradient recording set to `enabled` on this thread, then restores it.
public func withGradEnabled<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
    let previous = isGradEnabled
    _ = ct_set_grad_enabled(enabled)
    defer { _ = ct_set_grad_enabled(previous) }
    return try body()
}
