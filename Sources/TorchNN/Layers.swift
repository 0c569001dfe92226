import Torch

/// `nn.Conv2d`: weight (out, in/groups, kH, kW), optional bias (out).
public final class Conv2d: Layer {
    public let registry = ModuleRegistry()
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Size2D
    public let padding: Size2D
    public let dilation: Size2D
    public let groups: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
        dilation: Size2D = 1, groups: Int = 1, bias: Bool = true, device: Device = .cpu
    ) throws {
        guard inChannels > 0, outChannels > 0, groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
            throw TorchError(
                operation: "Conv2d(\(inChannels), \(outChannels), groups: \(groups))",
                message: "channel counts must be positive and divisible by groups")
        }
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        weight = try Tensor.empty([outChannels, inChannels / groups, kernelSize.height, kernelSize.width], device: device)
        self.bias = bias ? try Tensor.empty([outChannels], device: device) : nil
        try Initialization.resetLinearLike(weight: weight, bias: self.bias)
        registry.parameter("weight", weight)
        if let b = self.bias { registry.parameter("bias", b) }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// `nn.ConvTranspose2d`: weight (in, out/groups, kH, kW), optional bias (out).
public final class ConvTranspose2d: Layer {
    public let registry = ModuleRegistry()
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Size2D
    public let padding: Size2D
    public let outputPadding: Size2D
    public let dilation: Size2D
    public let groups: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
        outputPadding: Size2D = 0, groups: Int = 1, bias: Bool = true, dilation: Size2D = 1,
        device: Device = .cpu
    ) throws {
        guard inChannels > 0, outChannels > 0, groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
            throw TorchError(
                operation: "ConvTranspose2d(\(inChannels), \(outChannels), groups: \(groups))",
                message: "channel counts must be positive and divisible by groups")
        }
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
        weight = try Tensor.empty([inChannels, outChannels / groups, kernelSize.height, kernelSize.width], device: device)
        self.bias = bias ? try Tensor.empty([outChannels], device: device) : nil
        try Initialization.resetLinearLike(weight: weight, bias: self.bias)
        registry.parameter("weight", weight)
        if let b = self.bias { registry.parameter("bias", b) }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try input.convTranspose2d(
            weight: weight, bias: bias, stride: stride, padding: padding,
            outputPadding: outputPadding, groups: groups, dilation: dilation)
    }
}

/// `nn.Linear`: weight (out, in), optional bias (out).
public final class Linear: Layer {
    public let registry = ModuleRegistry()
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, device: Device = .cpu) throws {
        guard inFeatures > 0, outFeatures > 0 else {
            throw TorchError(operation: "Linear(\(inFeatures), \(outFeatures))", message: "feature counts must be positive")
        }
        weight = try Tensor.empty([outFeatures, inFeatures], device: device)
        self.bias = bias ? try Tensor.empty([outFeatures], device: device) : nil
        try Initialization.resetLinearLike(weight: weight, bias: self.bias)
        registry.parameter("weight", weight)
        if let b = self.bias { registry.parameter("bias", b) }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try input.linear(weight: weight, bias: bias)
    }
}

/// `nn.BatchNorm2d` with PyTorch's buffers (`running_mean`, `running_var`, int64
/// `num_batches_tracked`) and momentum semantics (`nil` momentum = cumulative average).
public final class BatchNorm2d: Layer {
    public let registry = ModuleRegistry()
    public let weight: Tensor?
    public let bias: Tensor?
    public let runningMean: Tensor?
    public let runningVar: Tensor?
    public let numBatchesTracked: Tensor?
    public let eps: Double
    public let momentum: Double?
    /// When set, training-mode statistics come from the whole group's batch (SyncBatchNorm);
    /// evaluation uses the running statistics either way.
    public var synchronization: ProcessGroup?

    public init(
        _ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
        trackRunningStats: Bool = true, device: Device = .cpu
    ) throws {
        guard numFeatures > 0 else {
            throw TorchError(operation: "BatchNorm2d(\(numFeatures))", message: "feature count must be positive")
        }
        self.eps = eps
        self.momentum = momentum
        weight = affine ? try Tensor.ones([numFeatures], device: device) : nil
        bias = affine ? try Tensor.zeros([numFeatures], device: device) : nil
        runningMean = trackRunningStats ? try Tensor.zeros([numFeatures], device: device) : nil
        runningVar = trackRunningStats ? try Tensor.ones([numFeatures], device: device) : nil
        numBatchesTracked = trackRunningStats ? try Tensor.zeros([], dtype: .int64, device: device) : nil
        if let weight, let bias {
            registry.parameter("weight", weight)
            registry.parameter("bias", bias)
        }
        if let runningMean, let runningVar, let numBatchesTracked {
            registry.buffer("running_mean", runningMean)
            registry.buffer("running_var", runningVar)
            registry.buffer("num_batches_tracked", numBatchesTracked)
        }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        guard input.rank == 4 else {
            throw TorchError(operation: "BatchNorm2d(\(input.shape))", message: "expected a 4-D (N, C, H, W) input")
        }
        var factor = momentum ?? 0
        if isTraining, let numBatchesTracked {
            try withNoGrad { try numBatchesTracked.addInPlace(1) }
            if momentum == nil { factor = 1 / Double(try numBatchesTracked.itemInt()) }
        }
        // Batch statistics in training, or whenever there are no running statistics to use.
        let useBatchStats = isTraining || runningMean == nil
        if useBatchStats, let group = synchronization, group.worldSize > 1 {
            return try group.syncBatchNorm(
                input, weight: weight, bias: bias, runningMean: isTraining ? runningMean : nil,
                runningVar: isTraining ? runningVar : nil, momentum: factor, eps: eps)
        }
        return try input.batchNorm(
            weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
            training: useBatchStats, momentum: factor, eps: eps)
    }
}

/// `nn.Dropout`: active only in training mode.
public final class Dropout: Layer {
    public let registry = ModuleRegistry()
    public let p: Double

    public init(p: Double = 0.5) { self.p = p }

    public func forward(_ input: Tensor) throws -> Tensor { try input.dropout(p: p, training: isTraining) }
}

/// `nn.ReLU`; with `inPlace` (PyTorch's `inplace=True`) it overwrites its input, which must be a
/// fresh intermediate nothing else saved for backward, such as a batch norm's output.
public final class ReLU: Layer {
    public let registry = ModuleRegistry()
    public let inPlace: Bool
    public init(inPlace: Bool = false) { self.inPlace = inPlace }
    public func forward(_ input: Tensor) throws -> Tensor {
        inPlace ? try input.reluReusingStorage() : try input.relu()
    }
}

/// `nn.LeakyReLU`; `inPlace` as for `ReLU`.
public final class LeakyReLU: Layer {
    public let registry = ModuleRegistry()
    public let negativeSlope: Double
    public let inPlace: Bool
    public init(negativeSlope: Double = 0.01, inPlace: Bool = false) {
        self.negativeSlope = negativeSlope
        self.inPlace = inPlace
    }
    public func forward(_ input: Tensor) throws -> Tensor {
        guard inPlace && InPlaceActivations.enabled else { return try input.leakyRelu(negativeSlope: negativeSlope) }
        try input.leakyReluInPlace(negativeSlope: negativeSlope)
        return input
    }
}

/// The switch behind every in-place activation. They change no value (ReLU is exact either way),
/// only memory and time, so one process-wide switch is enough: `make bench` turns it off to
/// measure what they save.
public enum InPlaceActivations {
    nonisolated(unsafe) public static var enabled = true
}

extension Tensor {
    /// ReLU of a fresh intermediate (a batch norm's or a residual sum's output), written over it.
    public func reluReusingStorage() throws -> Tensor {
        guard InPlaceActivations.enabled else { return try relu() }
        try reluInPlace()
        return self
    }
}

public final class Sigmoid: Layer {
    public let registry = ModuleRegistry()
    public init() {}
    public func forward(_ input: Tensor) throws -> Tensor { try input.sigmoid() }
}

public final class Tanh: Layer {
    public let registry = ModuleRegistry()
    public init() {}
    public func forward(_ input: Tensor) throws -> Tensor { try input.tanh() }
}

public final class Identity: Layer {
    public let registry = ModuleRegistry()
    public init() {}
    public func forward(_ input: Tensor) throws -> Tensor { input }
}

/// `nn.Flatten` (default start dim 1).
public final class Flatten: Layer {
    public let registry = ModuleRegistry()
    public let startDim: Int
    public let endDim: Int
    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
    }
    public func forward(_ input: Tensor) throws -> Tensor { try input.flattened(startDim: startDim, endDim: endDim) }
}

public final class MaxPool2d: Layer {
    public let registry = ModuleRegistry()
    public let kernelSize: Size2D
    public let stride: Size2D
    public let padding: Size2D
    public let dilation: Size2D
    public let ceilMode: Bool

    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0, dilation: Size2D = 1, ceilMode: Bool = false) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try input.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

public final class AvgPool2d: Layer {
    public let registry = ModuleRegistry()
    public let kernelSize: Size2D
    public let stride: Size2D
    public let padding: Size2D

    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try input.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

public final class AdaptiveAvgPool2d: Layer {
    public let registry = ModuleRegistry()
    public let outputSize: Size2D
    public init(outputSize: Size2D) { self.outputSize = outputSize }
    public func forward(_ input: Tensor) throws -> Tensor { try input.adaptiveAvgPool2d(outputSize: outputSize) }
}

/// `nn.Upsample` with either a target size or a scale factor.
public final class Upsample: Layer {
    public enum Target: Sendable {
        case size(Size2D)
        case scaleFactor(Double)
    }

    public let registry = ModuleRegistry()
    public let target: Target
    public let mode: InterpolationMode

    public init(scaleFactor: Double, mode: InterpolationMode = .nearest) {
        target = .scaleFactor(scaleFactor)
        self.mode = mode
    }

    public init(size: Size2D, mode: InterpolationMode = .nearest) {
        target = .size(size)
        self.mode = mode
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        switch target {
        case .size(let size): return try input.interpolated(size: size, mode: mode)
        case .scaleFactor(let factor): return try input.interpolated(scaleFactor: factor, mode: mode)
        }
    }
}

/// `nn.Sequential`: children are named "0", "1", ... counting every layer, parameterless ones
/// included, so keys match PyTorch (e.g. VGG's `features.3.weight`).
public final class Sequential: Layer {
    public let registry = ModuleRegistry()
    public private(set) var layers: [any Layer] = []

    public init(_ layers: [any Layer] = []) {
        for layer in layers { append(layer) }
    }

    public convenience init(_ layers: any Layer...) { self.init(layers) }

    public func append(_ layer: any Layer) {
        registry.child(String(layers.count), layer)
        layers.append(layer)
    }

    public var count: Int { layers.count }

    public subscript(index: Int) -> any Layer { layers[index] }

    public func forward(_ input: Tensor) throws -> Tensor {
        var x = input
        for layer in layers { x = try layer.forward(x) }
        return x
    }
}
