import Foundation
import Torch

/// Adam (Kingma & Ba) with PyTorch's update rule (`torch.optim.Adam`, amsgrad off):
///
///     g ← ∇θ + λθ                       (L2 weight decay, when λ > 0)
///     m ← β₁m + (1 − β₁)g
///     v ← β₂v + (1 − β₂)g²
///     θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√v / √(1 − β₂ᵗ) + ε)
///
/// Parameters carry names (their state-dict keys) so optimizer state saves and loads by name.
public final class Adam {
    /// Parameters sharing hyper-parameters. `learningRate` may be changed between steps (schedules).
    public final class ParameterGroup {
        public let parameters: [(name: String, tensor: Tensor)]
        public var learningRate: Double
        public var betas: (Double, Double)
        public var eps: Double
        public var weightDecay: Double

        public init(
            parameters: [(name: String, tensor: Tensor)], learningRate: Double, betas: (Double, Double) = (0.9, 0.999),
            eps: Double = 1e-8, weightDecay: Double = 0
        ) {
            self.parameters = parameters
            self.learningRate = learningRate
            self.betas = betas
            self.eps = eps
            self.weightDecay = weightDecay
        }
    }

    /// Per-parameter moments and step count.
    final class State {
        let expAvg: Tensor
        let expAvgSq: Tensor
        var step: Int

        init(expAvg: Tensor, expAvgSq: Tensor, step: Int) {
            self.expAvg = expAvg
            self.expAvgSq = expAvgSq
            self.step = step
        }
    }

    public let groups: [ParameterGroup]
    private var states: [String: State] = [:]

    /// One group. `parameters` are usually `module.namedParameters()`.
    public convenience init(
        parameters: [(name: String, tensor: Tensor)], learningRate: Double = 1e-3,
        betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0
    ) throws {
        try self.init(groups: [
            ParameterGroup(
                parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
                weightDecay: weightDecay)
        ])
    }

    /// Several groups (e.g. a smaller learning rate for a pretrained encoder). Names must be unique.
    public init(groups: [ParameterGroup]) throws {
        var seen = Set<String>()
        for group in groups {
            guard group.learningRate >= 0, group.eps >= 0, group.weightDecay >= 0,
                (0..<1).contains(group.betas.0), (0..<1).contains(group.betas.1)
            else {
                throw TorchError(
                    operation: "Adam",
                    message:
                        "invalid hyper-parameters lr \(group.learningRate), betas \(group.betas), eps \(group.eps), weight decay \(group.weightDecay)"
                )
            }
            for (name, _) in group.parameters where !seen.insert(name).inserted {
                throw TorchError(operation: "Adam", message: "parameter \"\(name)\" appears twice")
            }
        }
        self.groups = groups
    }

    /// Sets every group's learning rate.
    public func setLearningRate(_ rate: Double) {
        for group in groups { group.learningRate = rate }
    }

    /// Clears the gradients of all parameters.
    public func zeroGrad(setToNone: Bool = true) throws {
        if setToNone && fused {
            return try BatchedCalls.clearGradients(groups.flatMap { $0.parameters.map(\.tensor) })
        }
        for group in groups {
            for (_, tensor) in group.parameters { try tensor.zeroGrad(setToNone: setToNone) }
        }
    }

    /// One fused shim call per group (`BatchedCalls.adamStep`: a single pass over each float32
    /// CPU parameter) instead of about ten ATen ops per parameter. Both give the same update to
    /// float rounding; `false` keeps the op-by-op reference, for tests and `make bench`.
    public var fused = true

    /// Applies one update to every parameter that has a gradient.
    public func step() throws {
        guard fused else { return try stepOpByOp() }
        try withNoGrad {
            for group in groups {
                var parameters: [Tensor] = [], expAvgs: [Tensor] = [], expAvgSqs: [Tensor] = [], steps: [Int] = []
                for (name, parameter) in group.parameters where parameter.grad != nil {
                    let state = try self.state(for: name, like: parameter)
                    state.step += 1
                    parameters.append(parameter)
                    expAvgs.append(state.expAvg)
                    expAvgSqs.append(state.expAvgSq)
                    steps.append(state.step)
                }
                try BatchedCalls.adamStep(
                    parameters: parameters, expAvgs: expAvgs, expAvgSqs: expAvgSqs, steps: steps,
                    learningRate: group.learningRate, betas: group.betas, eps: group.eps,
                    weightDecay: group.weightDecay)
            }
        }
    }

    private func state(for name: String, like parameter: Tensor) throws -> State {
        if let state = states[name] { return state }
        let fresh = State(
            expAvg: try Self.layout(Tensor.zeros(like: parameter), like: parameter),
            expAvgSq: try Self.layout(Tensor.zeros(like: parameter), like: parameter), step: 0)
        states[name] = fresh
        return fresh
    }

    /// State in the parameter's storage order (channels-last convolution weights keep the fused
    /// kernel's single pass valid).
    private static func layout(_ tensor: Tensor, like parameter: Tensor) throws -> Tensor {
        parameter.isChannelsLast ? try tensor.contiguousChannelsLast() : tensor
    }

    private func stepOpByOp() throws {
        try withNoGrad {
            for group in groups {
                let (beta1, beta2) = group.betas
                for (name, parameter) in group.parameters {
                    guard var gradient = parameter.grad else { continue }
                    if group.weightDecay != 0 {
                        gradient = try gradient + (try parameter * group.weightDecay)
                    }
                    let state = try self.state(for: name, like: parameter)
                    state.step += 1
                    let t = Double(state.step)
                    try state.expAvg.mulInPlace(beta1)
                    try state.expAvg.addInPlace(gradient, alpha: 1 - beta1)
                    try state.expAvgSq.mulInPlace(beta2)
                    try state.expAvgSq.addcmulInPlace(gradient, gradient, value: 1 - beta2)
                    let biasCorrection1 = 1 - Foundation.pow(beta1, t)
                    let biasCorrection2 = 1 - Foundation.pow(beta2, t)
                    let denominator = try state.expAvgSq.sqrt() / biasCorrection2.squareRoot()
                    try denominator.addInPlace(group.eps)
                    try parameter.addcdivInPlace(state.expAvg, denominator, value: -group.learningRate / biasCorrection1)
                }
            }
        }
    }

    /// The step count of one parameter (0 before its first update).
    public func stepCount(of name: String) -> Int { states[name]?.step ?? 0 }

    // MARK: State

    /// Optimizer state as named tensors: `<param>.exp_avg`, `<param>.exp_avg_sq` and an int64
    /// scalar `<param>.step` for every parameter updated at least once.
    public func stateDict() throws -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        for group in groups {
            for (name, _) in group.parameters {
                guard let state = states[name] else { continue }
                result.append(("\(name).exp_avg", state.expAvg))
                result.append(("\(name).exp_avg_sq", state.expAvgSq))
                result.append(("\(name).step", try Tensor.full([], integer: Int64(state.step))))
            }
        }
        return result
    }

    /// Restores state written by `stateDict()`. Every entry must belong to a known parameter and
    /// match its shape; parameters without entries start fresh. Nothing changes on error.
    public func loadStateDict(_ tensors: [String: Tensor], source: String = "<optimizer state>") throws {
        var parameters: [String: Tensor] = [:]
        for group in groups { for (name, tensor) in group.parameters { parameters[name] = tensor } }
        var report = StateDictReport()
        var restored: [String: State] = [:]
        var consumed = Set<String>()
        for (name, parameter) in parameters {
            let keys = ["\(name).exp_avg", "\(name).exp_avg_sq", "\(name).step"]
            let present = keys.filter { tensors[$0] != nil }
            guard !present.isEmpty else { continue }
            consumed.formUnion(present)
            guard let expAvg = tensors[keys[0]], let expAvgSq = tensors[keys[1]], let step = tensors[keys[2]] else {
                report.missingKeys += keys.filter { tensors[$0] == nil }
                continue
            }
            for (key, tensor) in [(keys[0], expAvg), (keys[1], expAvgSq)] where tensor.shape != parameter.shape {
                report.shapeMismatches.append(.init(key: key, expected: parameter.shape, found: tensor.shape))
            }
            guard step.count == 1 else {
                report.shapeMismatches.append(.init(key: keys[2], expected: [], found: step.shape))
                continue
            }
            restored[name] = State(
                expAvg: try Self.layout(expAvg.to(device: parameter.device, dtype: parameter.dtype, copy: true), like: parameter),
                expAvgSq: try Self.layout(expAvgSq.to(device: parameter.device, dtype: parameter.dtype, copy: true), like: parameter),
                step: try step.itemInt())
        }
        report.unexpectedKeys = tensors.keys.filter { !consumed.contains($0) }.sorted()
        guard report.isClean else { throw StateDictError(source: source, report: report) }
        states = restored
    }

    /// Saves the state atomically as safetensors.
    public func save(to url: URL) throws {
        try SafeTensors.save(try stateDict(), metadata: ["format": "sonotag.adam"], to: url)
    }

    /// Loads state saved by `save(to:)`.
    public func load(contentsOf url: URL) throws {
        let archive = try SafeTensors.load(contentsOf: url)
        try loadStateDict(archive.dictionary, source: url.path)
    }
}
