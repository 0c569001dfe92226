import Torch

/// Scales the gradients of `parameters` in place so their joint L2 norm is at most `maxNorm`,
/// like `torch.nn.utils.clip_grad_norm_`. Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Double) throws -> Double {
    let gradients = parameters.compactMap(\.grad)
    guard !gradients.isEmpty else { return 0 }
    let total = try withNoGrad { () throws -> Double in
        var sumOfSquares = 0.0
        for gradient in gradients { sumOfSquares += try gradient.to(dtype: .float64).squared().sum().item() }
        return sumOfSquares.squareRoot()
    }
    let factor = maxNorm / (total + 1e-6)
    if factor < 1 {
        try withNoGrad {
            for gradient in gradients { try gradient.mulInPlace(factor) }
        }
    }
    return total
}
