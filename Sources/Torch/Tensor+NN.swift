import CTorch

/// How a loss reduces its per-element values.
public enum Reduction: Int32, Sendable {
    case none = 0
    case mean = 1
    case sum = 2
}

/// Interpolation kernels for `Tensor.interpolated`.
public enum InterpolationMode: Sendable {
    case nearest
    case bilinear(alignCorners: Bool)
}

extension Tensor {
    // MARK: Linear algebra

    public func matmul(_ other: Tensor) throws -> Tensor {
        try makeTensor(describe("matmul", self, other)) { ct_matmul(handle, other.handle, $0) }
    }

    /// `self @ weightᵀ + bias` with `weight` shaped (out, in), like `torch.nn.functional.linear`.
    public func linear(weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        try makeTensor(describe("linear", self, weight, bias)) { ct_linear(handle, weight.handle, bias?.handle, $0) }
    }

    // MARK: Convolution

    /// 2-D convolution of an (N, C, H, W) input with a (out, C/groups, kH, kW) weight.
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Size2D = 0,
        dilation: Size2D = 1, groups: Int = 1
    ) throws -> Tensor {
        let label = describe(
            "conv2d(stride: \(stride), padding: \(padding), dilation: \(dilation), groups: \(groups))",
            self, weight, bias)
        try validate(label, stride, padding, dilation)
        let s = stride.int64, p = padding.int64, d = dilation.int64
        return try makeTensor(label) { ct_conv2d(handle, weight.handle, bias?.handle, s, p, d, Int64(groups), $0) }
    }

    /// 2-D transposed convolution with a (C, out/groups, kH, kW) weight.
    public func convTranspose2d(
        weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Size2D = 0,
        outputPadding: Size2D = 0, groups: Int = 1, dilation: Size2D = 1
    ) throws -> Tensor {
        let label = describe(
            "conv_transpose2d(stride: \(stride), padding: \(padding), output_padding: \(outputPadding), groups: \(groups))",
            self, weight, bias)
        try validate(label, stride, padding, outputPadding, dilation)
        let s = stride.int64, p = padding.int64, o = outputPadding.int64, d = dilation.int64
        return try makeTensor(label) {
            ct_conv_transpose2d(handle, weight.handle, bias?.handle, s, p, o, Int64(groups), d, $0)
        }
    }

    // MARK: Normalisation

    /// Batch normalisation over the channel dimension (dim 1). In training, batch statistics are
    /// used and the running statistics (when given) are updated in place with PyTorch's rule
    /// `running = (1 - momentum) * running + momentum * batch` (unbiased variance).
    public func batchNorm(
        weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
        training: Bool, momentum: Double = 0.1, eps: Double = 1e-5
    ) throws -> Tensor {
        try makeTensor(describe("batch_norm(training: \(training))", self, weight, bias, runningMean, runningVar)) {
            ct_batch_norm(
                handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle,
                training, momentum, eps, $0)
        }
    }

    // MARK: Pooling

    /// Max pooling; `stride` defaults to the kernel size like PyTorch.
    public func maxPool2d(
        kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, dilation: Size2D = 1,
        ceilMode: Bool = false
    ) throws -> Tensor {
        let stride = stride ?? kernelSize
        let label = describe("max_pool2d(kernel: \(kernelSize), stride: \(stride), padding: \(padding))", self)
        try validate(label, kernelSize, stride, padding, dilation)
        let k = kernelSize.int64, s = stride.int64, p = padding.int64, d = dilation.int64
        return try makeTensor(label) { ct_max_pool2d(handle, k, s, p, d, ceilMode, $0) }
    }

    public func avgPool2d(
        kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, ceilMode: Bool = false,
        countIncludePad: Bool = true
    ) throws -> Tensor {
        let stride = stride ?? kernelSize
        let label = describe("avg_pool2d(kernel: \(kernelSize), stride: \(stride), padding: \(padding))", self)
        try validate(label, kernelSize, stride, padding)
        let k = kernelSize.int64, s = stride.int64, p = padding.int64
        return try makeTensor(label) { ct_avg_pool2d(handle, k, s, p, ceilMode, countIncludePad, $0) }
    }

    public func adaptiveAvgPool2d(outputSize: Size2D) throws -> Tensor {
        let label = describe("adaptive_avg_pool2d(\(outputSize))", self)
        try validate(label, outputSize)
        let o = outputSize.int64
        return try makeTensor(label) { ct_adaptive_avg_pool2d(handle, o, $0) }
    }

    // MARK: Resampling

    /// Resizes the spatial dims of an (N, C, H, W) tensor to `size`, like `F.interpolate(size=)`.
    public func interpolated(size: Size2D, mode: InterpolationMode = .nearest) throws -> Tensor {
        try interpolate(size: size, scales: (-1, -1), mode: mode)
    }

    /// Scales the spatial dims like `F.interpolate(scale_factor=)`: output = floor(input * factor),
    /// and the factor (not the rounded size) drives the sampling grid, as in PyTorch.
    public func interpolated(scaleFactor: Double, mode: InterpolationMode = .nearest) throws -> Tensor {
        let s = shape
        guard s.count == 4, scaleFactor > 0, scaleFactor.isFinite else {
            throw TorchError(
                operation: describe("interpolate(scale_factor: \(scaleFactor))", self),
                message: "needs a 4-D (N, C, H, W) input and a positive finite scale factor")
        }
        let size = Size2D(Int((Double(s[2]) * scaleFactor).rounded(.down)), Int((Double(s[3]) * scaleFactor).rounded(.down)))
        return try interpolate(size: size, scales: (scaleFactor, scaleFactor), mode: mode)
    }

    private func interpolate(size: Size2D, scales: (Double, Double), mode: InterpolationMode) throws -> Tensor {
        let label = describe("interpolate(size: \(size), mode: \(mode))", self)
        try validate(label, size)
        let o = size.int64
        switch mode {
        case .nearest:
            return try makeTensor(label) { ct_upsample2d(handle, 0, o, false, scales.0, scales.1, $0) }
        case .bilinear(let alignCorners):
            // PyTorch ignores the scale factor for the grid when align_corners is true.
            let sh = alignCorners ? -1 : scales.0, sw = alignCorners ? -1 : scales.1
            return try makeTensor(label) { ct_upsample2d(handle, 1, o, alignCorners, sh, sw, $0) }
        }
    }

    /// Constant padding; `pads` lists (before, after) pairs starting from the last dimension, like `F.pad`.
    public func padded(_ pads: [Int], value: Double = 0) throws -> Tensor {
        let p = pads.map(Int64.init)
        return try makeTensor(describe("pad \(pads)", self)) { ct_pad(handle, p, Int64(p.count), value, $0) }
    }

    // MARK: Activations

    public func leakyRelu(negativeSlope: Double = 0.01) throws -> Tensor {
        try makeTensor(describe("leaky_relu", self)) { ct_leaky_relu(handle, negativeSlope, $0) }
    }

    public func elu(alpha: Double = 1) throws -> Tensor {
        try makeTensor(describe("elu", self)) { ct_elu(handle, alpha, $0) }
    }

    public func softmax(dim: Int) throws -> Tensor {
        try makeTensor(describe("softmax(dim: \(dim))", self)) { ct_softmax(handle, Int64(dim), $0) }
    }

    public func logSoftmax(dim: Int) throws -> Tensor {
        try makeTensor(describe("log_softmax(dim: \(dim))", self)) { ct_log_softmax(handle, Int64(dim), $0) }
    }

    /// Zeroes elements with probability `p` and scales the rest by 1/(1-p) when `training`; identity otherwise.
    public func dropout(p: Double, training: Bool) throws -> Tensor {
        guard p >= 0, p <= 1 else {
            throw TorchError(operation: describe("dropout(p: \(p))", self), message: "p must be in [0, 1]")
        }
        return try makeTensor(describe("dropout(p: \(p))", self)) { ct_dropout(handle, p, training, $0) }
    }

    // MARK: Losses

    public func mseLoss(target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try makeTensor(describe("mse_loss", self, target)) { ct_mse_loss(handle, target.handle, reduction.rawValue, $0) }
    }

    public func l1Loss(target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try makeTensor(describe("l1_loss", self, target)) { ct_l1_loss(handle, target.handle, reduction.rawValue, $0) }
    }

    /// Numerically stable sigmoid + binary cross-entropy on logits, like
    /// `F.binary_cross_entropy_with_logits(self, target, weight, pos_weight=...)`.
    public func binaryCrossEntropyWithLogits(
        target: Tensor, weight: Tensor? = nil, positiveWeight: Tensor? = nil,
        reduction: Reduction = .mean
    ) throws -> Tensor {
        try makeTensor(describe("binary_cross_entropy_with_logits", self, target, weight, positiveWeight)) {
            ct_bce_with_logits(handle, target.handle, weight?.handle, positiveWeight?.handle, reduction.rawValue, $0)
        }
    }

    /// Softmax cross-entropy of (N, C, ...) logits against int64 class indices.
    public func crossEntropy(
        target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean,
        ignoreIndex: Int = -100, labelSmoothing: Double = 0
    ) throws -> Tensor {
        try makeTensor(describe("cross_entropy", self, target, weight)) {
            ct_cross_entropy(
                handle, target.handle, weight?.handle, reduction.rawValue, Int64(ignoreIndex),
                labelSmoothing, $0)
        }
    }

    private func validate(_ label: @autoclosure () -> String, _ sizes: Size2D...) throws {
        for size in sizes where size.height < 0 || size.width < 0 {
            throw TorchError(operation: label(), message: "sizes must be one or two non-negative integers, got \(size)")
        }
    }
}
