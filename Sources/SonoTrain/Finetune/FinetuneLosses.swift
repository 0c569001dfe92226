import Torch

/// Soft Dice loss, 1 − mean over images and channels of (2·Σpt + ε)/(Σp + Σt + ε), p = σ(logits).
/// ε keeps empty-mask channels finite (an empty prediction of an empty mask scores 1).
func softDiceLoss(logits: Tensor, target: Tensor, epsilon: Double = 1) throws -> Tensor {
    let p = try logits.sigmoid()
    let dims = [2, 3]
    let intersection = try (p * target).sum(dims: dims)
    let total = try p.sum(dims: dims) + target.sum(dims: dims)
    let dice = try (intersection * 2 + epsilon) / (total + epsilon)
    return try 1 - dice.mean()
}
