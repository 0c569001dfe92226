import Torch

/// A network component with named parameters, buffers and submodules.
///
/// Conforming types own a `ModuleRegistry` and register everything at construction time, under
/// the names PyTorch would use, so `stateDict()` keys equal the PyTorch `state_dict` keys:
///
/// ```swift
/// final class Block: Layer {
///     let registry = ModuleRegistry()
///     let conv: Conv2d
///     let bn: BatchNorm2d
///     init() throws {
///         conv = registry.child("conv", try Conv2d(3, 8, kernelSize: 3, padding: 1))
///         bn = registry.child("bn", try BatchNorm2d(8))
///     }
///     func forward(_ x: Tensor) throws -> Tensor { try bn(conv(x)).relu() }
/// }
/// ```
public protocol Module: AnyObject {
    var registry: ModuleRegistry { get }
}

/// A module with one input and one output tensor.
public protocol Layer: Module {
    func forward(_ input: Tensor) throws -> Tensor
}

extension Layer {
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try forward(input) }
}

/// Parameters, buffers and submodules of one module, in registration order, plus its mode.
public final class ModuleRegistry {
    public private(set) var parameters: [(name: String, tensor: Tensor)] = []
    public private(set) var buffers: [(name: String, tensor: Tensor)] = []
    public private(set) var children: [(name: String, module: any Module)] = []
    /// Training mode of this module only; set it for a whole tree with `Module.train(_:)`.
    public internal(set) var isTraining = true

    public init() {}

    /// Registers a trainable tensor (turning on `requiresGrad`) and returns it. A name registered
    /// twice replaces the earlier entry, like assigning an attribute in PyTorch.
    @discardableResult
    public func parameter(_ name: String, _ tensor: Tensor) -> Tensor {
        _ = try? tensor.setRequiresGrad(true)
        parameters.removeAll { $0.name == name }
        parameters.append((name, tensor))
        return tensor
    }

    /// Registers persistent non-trainable state (running statistics, counters) and returns it.
    @discardableResult
    public func buffer(_ name: String, _ tensor: Tensor) -> Tensor {
        buffers.removeAll { $0.name == name }
        buffers.append((name, tensor))
        return tensor
    }

    /// Registers a submodule whose entries appear under `name.` and returns it.
    @discardableResult
    public func child<M: Module>(_ name: String, _ module: M) -> M {
        children.removeAll { $0.name == name }
        children.append((name, module))
        return module
    }
}

extension Module {
    /// Every parameter in the tree with its dotted path (PyTorch's `named_parameters()` order).
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        visit(prefix: "") { prefix, module in
            for (name, tensor) in module.registry.parameters { result.append((prefix + name, tensor)) }
        }
        return result
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Every buffer in the tree with its dotted path.
    public func namedBuffers() -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        visit(prefix: "") { prefix, module in
            for (name, tensor) in module.registry.buffers { result.append((prefix + name, tensor)) }
        }
        return result
    }

    /// Parameters and buffers under their PyTorch `state_dict` keys, in PyTorch's order (each
    /// module's parameters, then its buffers, then its children). The tensors are the live ones.
    public func stateDict() -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        visit(prefix: "") { prefix, module in
            for (name, tensor) in module.registry.parameters { result.append((prefix + name, tensor)) }
            for (name, tensor) in module.registry.buffers { result.append((prefix + name, tensor)) }
        }
        return result
    }

    /// Every module of the tree (self first) with its dotted path ("" for self).
    public func namedModules() -> [(name: String, module: any Module)] {
        var result: [(name: String, module: any Module)] = []
        visit(prefix: "") { prefix, module in
            result.append((prefix.hasSuffix(".") ? String(prefix.dropLast()) : prefix, module))
        }
        return result
    }

    /// Depth-first walk in registration order; `prefix` ends with "." except at the root.
    func visit(prefix: String, _ body: (String, any Module) -> Void) {
        body(prefix, self)
        for (name, child) in registry.children {
            child.visit(prefix: prefix + name + ".", body)
        }
    }

    /// Whether this module is in training mode.
    public var isTraining: Bool { registry.isTraining }

    /// Sets training (true) or evaluation (false) mode on this module and all its descendants.
    public func train(_ training: Bool = true) {
        visit(prefix: "") { _, module in module.registry.isTraining = training }
    }

    /// `train(false)`.
    public func eval() { train(false) }

    /// Runs `body` with the tree in evaluation mode and restores each module's previous mode after.
    public func withEvaluationMode<R>(_ body: () throws -> R) rethrows -> R {
        let modules = namedModules().map(\.module)
        let previous = modules.map(\.registry.isTraining)
        train(false)
        defer { for (module, mode) in zip(modules, previous) { module.registry.isTraining = mode } }
        return try body()
    }

    /// Clears the gradients of every parameter.
    public func zeroGrad(setToNone: Bool = true) throws {
        for parameter in parameters() { try parameter.zeroGrad(setToNone: setToNone) }
    }

    /// Moves every parameter and buffer to `device` in place (the tensor objects stay the same,
    /// so references held by layers and optimizers remain valid; accumulated gradients are dropped).
    /// Throws a clear error when CUDA is requested from a CPU-only libtorch. Move before creating
    /// the optimizer, whose state lives on the parameters' device.
    public func move(to device: Device) throws {
        try withNoGrad {
            for (_, tensor) in stateDict() where tensor.device != device {
                try tensor.zeroGrad()  // a gradient on the old device would no longer match
                try tensor.setData(tensor.to(device: device))
            }
        }
    }

    /// Converts floating-point parameters and buffers to `dtype` in place (integer buffers such as
    /// `num_batches_tracked` keep their type).
    public func convert(to dtype: DType) throws {
        try withNoGrad {
            for (_, tensor) in stateDict() where tensor.dtype.isFloatingPoint && tensor.dtype != dtype {
                try tensor.setData(tensor.to(dtype: dtype))
            }
        }
    }

    /// Stores every 4-D floating-point parameter and buffer (convolution weights) in channels-last
    /// order, in place, as `module.to(memory_format=torch.channels_last)` does. Convert before
    /// creating the optimizer: Adam's state then takes the same layout, which its fused kernel
    /// needs (it falls back to ATen ops when layouts differ).
    public func convertToChannelsLast() throws {
        try withNoGrad {
            for (_, tensor) in stateDict() where tensor.dtype.isFloatingPoint && tensor.shape.count == 4 && !tensor.isChannelsLast {
                try tensor.zeroGrad()
                try tensor.setData(tensor.contiguousChannelsLast())
            }
        }
    }

    /// Total number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }
}
