import CTorch

/// Operations over many tensors in one shim call: a training step touches every parameter
/// several times, and at small image sizes the per-call overhead shows in the step time.
public enum BatchedCalls {
    /// `zero_grad(set_to_none=True)` for every tensor.
    public static func clearGradients(_ tensors: [Tensor]) throws {
        try withHandles(tensors) { try check(ct_zero_grads($0, $1), "zero_grads(\(tensors.count) tensors)") }
    }

    /// `requires_grad_(flag)` for every tensor.
    public static func setRequiresGrad(_ flag: Bool, _ tensors: [Tensor]) throws {
        try withHandles(tensors) { try check(ct_set_requires_grads($0, $1, flag), "requires_grad_(\(flag)) on \(tensors.count) tensors") }
    }

    /// One `torch.optim.Adam` update (amsgrad off) of `parameters`, each with its first and second
    /// moment and its step count after this update. Contiguous float32 CPU parameters are updated
    /// in a single fused pass; parameters without a gradient are left alone.
    public static func adamStep(
        parameters: [Tensor], expAvgs: [Tensor], expAvgSqs: [Tensor], steps: [Int],
        learningRate: Double, betas: (Double, Double), eps: Double, weightDecay: Double
    ) throws {
        guard parameters.count == expAvgs.count, parameters.count == expAvgSqs.count, parameters.count == steps.count else {
            throw TorchError(
                operation: "adam_step",
                message: "\(parameters.count) parameters but \(expAvgs.count)/\(expAvgSqs.count) moments and \(steps.count) step counts")
        }
        let counts = steps.map(Int64.init)
        try withHandles(parameters) { p, n in
            try withHandles(expAvgs) { m, _ in
                try withHandles(expAvgSqs) { v, _ in
                    try counts.withUnsafeBufferPointer { s in
                        try check(
                            ct_adam_step(p, m, v, s.baseAddress, n, learningRate, betas.0, betas.1, eps, weightDecay),
                            "adam_step(\(parameters.count) parameters)")
                    }
                }
            }
        }
    }

    private static func withHandles<R>(_ tensors: [Tensor], _ body: (UnsafePointer<ct_tensor?>?, Int64) throws -> R) rethrows -> R {
        let handles: [ct_tensor?] = tensors.map { $0.handle }
        return try withExtendedLifetime(tensors) {
            try handles.withUnsafeBufferPointer { try body($0.baseAddress, Int64($0.count)) }
        }
    }
}
