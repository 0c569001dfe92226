import Torch

/// Spectral normalisation (Miyato et al., 2018): the layer uses W / σ(W), σ estimated by power
/// iteration on W reshaped to out × (in·kH·kW), as `torch.nn.utils.spectral_norm` does.
///
/// State under PyTorch's names: parameter `weight_orig`, buffers `weight_u` (out) and `weight_v`
/// (in·kH·kW). In training mode every forward runs `iterations` power steps (updating u and v
/// in place, without gradient) before σ = uᵀ W v; in evaluation mode the stored u and v are used
/// unchanged, so evaluation does not move the estimate. Gradients flow through W in σ as in
/// PyTorch (u and v are constants of the step).
public final class SpectralNorm {
    public let u: Tensor
    public let v: Tensor
    public let iterations: Int
    public let eps: Double

    /// Registers `weight_u` and `weight_v` on `registry`, drawn from N(0, 1) and normalised, then
    /// runs `warmUp` power steps so σ starts close to the true largest singular value (PyTorch's
    /// parametrization does 15).
    public init(weight: Tensor, registry: ModuleRegistry, iterations: Int = 1, warmUp: Int = 15, eps: Double = 1e-12) throws {
        guard weight.rank >= 2, iterations >= 1 else {
            throw TorchError(
                operation: "SpectralNorm", message: "needs a weight of rank ≥ 2 and at least one power iteration, got shape \(weight.shape)"
            )
        }
        let rows = weight.shape[0], columns = weight.count / max(rows, 1)
        self.iterations = iterations
        self.eps = eps
        u = try Tensor.randn([rows], device: weight.device)
        v = try Tensor.randn([columns], device: weight.device)
        try withNoGrad {
            try u.copy(from: SpectralNorm.normalized(u, eps: eps))
            try v.copy(from: SpectralNorm.normalized(v, eps: eps))
        }
        registry.buffer("weight_u", u)
        registry.buffer("weight_v", v)
        try powerIterations(weight, count: warmUp)
    }

    /// v ← normalise(Wᵀ u), u ← normalise(W v), `count` times, in place and without gradient.
    public func powerIterations(_ weight: Tensor, count: Int) throws {
        guard count > 0 else { return }
        try withNoGrad {
            let matrix = try weight.detached().reshaped(to: [weight.shape[0], -1])
            for _ in 0..<count {
                try v.copy(from: SpectralNorm.normalized(matrix.transposed(0, 1).matmul(u), eps: eps))
                try u.copy(from: SpectralNorm.normalized(matrix.matmul(v), eps: eps))
            }
        }
    }

    /// σ = uᵀ W v with the current u and v (differentiable in W).
    ///
    /// u and v are cloned: autograd keeps them for the backward pass, and the next forward's
    /// in-place power step would otherwise invalidate them (D runs on real and fake centres before
    /// one backward). PyTorch's spectral_norm clones for the same reason.
    public func sigma(_ weight: Tensor) throws -> Tensor {
        let matrix = try weight.reshaped(to: [weight.shape[0], -1])
        let (uNow, vNow) = try withNoGrad { (try u.clone(), try v.clone()) }
        return try (uNow * matrix.matmul(vNow)).sum()
    }

    /// W / σ(W), after `iterations` power steps when `training`.
    public func normalizedWeight(_ weight: Tensor, training: Bool) throws -> Tensor {
        if training { try powerIterations(weight, count: iterations) }
        return try weight / sigma(weight)
    }

    static func normalized(_ x: Tensor, eps: Double) throws -> Tensor {
        try x / x.norm().clamped(min: eps)
    }
}

/// `spectral_norm(nn.Conv2d(...))`: keys `weight_orig`, `bias`, `weight_u`, `weight_v`.
public final class SpectralConv2d: Layer {
    public let registry = ModuleRegistry()
    public let weight: Tensor
    public let bias: Tensor?
    public let spectralNorm: SpectralNorm
    public let stride: Size2D
    public let padding: Size2D

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
        bias: Bool = true
    ) throws {
        // nn.Conv2d's initialisation, then the weight moves under weight_orig.
        let conv = try Conv2d(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding, bias: bias)
        weight = conv.weight
        self.bias = conv.bias
        self.stride = stride
        self.padding = padding
        if let b = self.bias { registry.parameter("bias", b) }
        registry.parameter("weight_orig", weight)
        spectralNorm = try SpectralNorm(weight: weight, registry: registry)
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try input.conv2d(weight: spectralNorm.normalizedWeight(weight, training: isTraining), bias: bias, stride: stride, padding: padding)
    }
}

/// `spectral_norm(nn.Linear(...))`: keys `weight_orig`, `bias`, `weight_u`, `weight_v`.
public final class SpectralLinear: Layer {
    public let registry = ModuleRegistry()
    public let weight: Tensor
    public let bias: Tensor?
    public let spectralNorm: SpectralNorm

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) throws {
        let linear = try Linear(inFeatures, outFeatures, bias: bias)
        weight = linear.weight
        self.bias = linear.bias
        if let b = self.bias { registry.parameter("bias", b) }
        registry.parameter("weight_orig", weight)
        spectralNorm = try SpectralNorm(weight: weight, registry: registry)
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try input.linear(weight: spectralNorm.normalizedWeight(weight, training: isTraining), bias: bias)
    }
}
