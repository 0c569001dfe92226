import CTorch

/// Runs `body` in an ATen autocast region (torch.autocast): convolutions and matrix products on
/// `device` compute in `dtype` (bfloat16, or float16 on CUDA), precision-sensitive ops stay in
/// float32, and the weights themselves stay float32. Regions nest; the enclosing state comes back
/// afterwards, also when `body` throws. Autograd records the casts, so the backward pass may run
/// outside the region, as in PyTorch.
public func withAutocast<R>(device: Device, dtype: DType, _ body: () throws -> R) throws -> R {
    try check(ct_autocast_enter(device.code, dtype.rawValue), "autocast(\(device), \(dtype))")
    defer { if let error = ct_autocast_exit(device.code) { ct_error_free(error) } }
    return try body()
}

/// The arithmetic of a training run. Weights, optimizer state and checkpoints are float32 in all
/// three; bf16 and fp16 run the forward pass in an autocast region (fp16 with loss scaling).
public enum Precision: String, CaseIterable, Sendable, Codable {
    case fp32, bf16, fp16

    /// The autocast compute type (nil for fp32).
    public var autocastType: DType? {
        switch self {
        case .fp32: return nil
        case .bf16: return .bfloat16
        case .fp16: return .float16
        }
    }

    /// Checks that `device` can run this precision: CPU autocast computes in bfloat16 only.
    public func validate(on device: Device) throws {
        if self == .fp16, device == .cpu {
            throw TorchError(
                operation: "precision fp16 on cpu",
                message: "CPU autocast supports bfloat16 only; use --precision bf16 on CPU, or fp16 with --device cuda")
        }
    }

    /// Runs `body` in this precision's autocast region on `device` (directly for fp32).
    public func run<R>(on device: Device, _ body: () throws -> R) throws -> R {
        guard let dtype = autocastType else { return try body() }
        return try withAutocast(device: device, dtype: dtype, body)
    }
}
