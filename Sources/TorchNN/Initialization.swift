import Foundation
import Torch

/// Weight initialisers with PyTorch's formulas (`torch.nn.init`). All run without recording grad.
public enum Initialization {
    public enum FanMode: Sendable { case fanIn, fanOut }

    /// (fan_in, fan_out) exactly as `torch.nn.init._calculate_fan_in_and_fan_out`.
    public static func fans(of tensor: Tensor) throws -> (fanIn: Int, fanOut: Int) {
        let shape = tensor.shape
        guard shape.count >= 2 else {
            throw TorchError(operation: "fans(\(shape))", message: "needs at least 2 dimensions")
        }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Gain for a nonlinearity, as `torch.nn.init.calculate_gain` ("relu", "leaky_relu", "linear", "tanh", "sigmoid").
    public static func gain(nonlinearity: String, negativeSlope: Double = 0.01) -> Double {
        switch nonlinearity {
        case "relu": return 2.0.squareRoot()
        case "leaky_relu": return (2.0 / (1 + negativeSlope * negativeSlope)).squareRoot()
        case "tanh": return 5.0 / 3.0
        case "selu": return 0.75
        default: return 1
        }
    }

    public static func uniform(_ tensor: Tensor, low: Double, high: Double) throws {
        try withNoGrad { try tensor.fillUniform(low: low, high: high) }
    }

    public static func normal(_ tensor: Tensor, mean: Double = 0, std: Double = 1) throws {
        try withNoGrad { try tensor.fillNormal(mean: mean, std: std) }
    }

    public static func constant(_ tensor: Tensor, _ value: Double) throws {
        try withNoGrad { try tensor.fill(value) }
    }

    /// `kaiming_uniform_(tensor, a, mode, nonlinearity="leaky_relu")`; PyTorch's conv and linear
    /// layers use a = √5, which gives the bound 1/√fan_in.
    public static func kaimingUniform(
        _ tensor: Tensor, a: Double = 0, mode: FanMode = .fanIn,
        nonlinearity: String = "leaky_relu"
    ) throws {
        let (fanIn, fanOut) = try fans(of: tensor)
        let fan = Double(mode == .fanIn ? fanIn : fanOut)
        let std = gain(nonlinearity: nonlinearity, negativeSlope: a) / fan.squareRoot()
        let bound = 3.0.squareRoot() * std
        try uniform(tensor, low: -bound, high: bound)
    }

    /// `kaiming_normal_(tensor, a, mode, nonlinearity)`; torchvision's VGG and ResNet use
    /// mode fanOut with "relu".
    public static func kaimingNormal(
        _ tensor: Tensor, a: Double = 0, mode: FanMode = .fanIn,
        nonlinearity: String = "leaky_relu"
    ) throws {
        let (fanIn, fanOut) = try fans(of: tensor)
        let fan = Double(mode == .fanIn ? fanIn : fanOut)
        try normal(tensor, std: gain(nonlinearity: nonlinearity, negativeSlope: a) / fan.squareRoot())
    }

    public static func xavierUniform(_ tensor: Tensor, gain: Double = 1) throws {
        let (fanIn, fanOut) = try fans(of: tensor)
        let bound = gain * (6.0 / Double(fanIn + fanOut)).squareRoot()
        try uniform(tensor, low: -bound, high: bound)
    }

    public static func xavierNormal(_ tensor: Tensor, gain: Double = 1) throws {
        let (fanIn, fanOut) = try fans(of: tensor)
        try normal(tensor, std: gain * (2.0 / Double(fanIn + fanOut)).squareRoot())
    }

    /// PyTorch's default for conv/linear layers: weight kaiming_uniform(a=√5), bias uniform(±1/√fan_in).
    static func resetLinearLike(weight: Tensor, bias: Tensor?) throws {
        try kaimingUniform(weight, a: 5.0.squareRoot())
        if let bias {
            let fanIn = try fans(of: weight).fanIn
            let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
            try uniform(bias, low: -bound, high: bound)
        }
    }
}
