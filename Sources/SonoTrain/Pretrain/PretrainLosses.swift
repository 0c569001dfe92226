import SonoModels
import Torch

/// The losses of the paper (DESIGN.md, "The method"), as free functions so tests can check them
/// on hand-computed tensors.
public enum PretrainLosses {
    /// L_D = E[relu(1 − D(x, y))] + E[relu(1 + D(F(x̂), y))].
    public static func discriminatorHinge(realScores: Tensor, fakeScores: Tensor) throws -> Tensor {
        let terms = try discriminatorHingeTerms(realScores: realScores, fakeScores: fakeScores)
        return try terms.real + terms.fake
    }

    /// The two halves of L_D: on real centres E[relu(1 − D(x, y))], on predicted ones
    /// E[relu(1 + D(F(x̂), y))]. Logged apart, they tell a D that rejects everything from one
    /// that separates real from fake.
    public static func discriminatorHingeTerms(realScores: Tensor, fakeScores: Tensor) throws -> (real: Tensor, fake: Tensor) {
        (try (1.0 - realScores).relu().mean(), try (fakeScores + 1.0).relu().mean())
    }

    /// The context encoder's loss and its two terms:
    /// L_F = −λ_adv · E[D(F(x̂), y)] + λ_rec · E[(F(x̂) − x)²].
    public static func contextEncoder(
        fakeScores: Tensor?, prediction: Tensor, truth: Tensor,
        lambdaRec: Double, lambdaAdv: Double
    ) throws -> (total: Tensor, reconstruction: Tensor, adversarial: Tensor?) {
        let rec = try prediction.mseLoss(target: truth)
        var total = try rec * lambdaRec
        var adv: Tensor?
        if let fakeScores {
            let a = try fakeScores.mean().neg()
            total = try total + a * lambdaAdv
            adv = a
        }
        return (total, rec, adv)
    }

    /// The DCM configuration's loss: BCE between predicted logits and the multi-hot labels.
    public static func labelPrediction(logits: Tensor, labels: Tensor) throws -> Tensor {
        try logits.binaryCrossEntropyWithLogits(target: labels)
    }
}

extension CentreMask {
    /// The masked input (the hole filled with `fill`) and the true centre the decoder must
    /// predict, from a batch of N×1×H×W images. The input batch is left unchanged.
    public func apply(to images: Tensor, fill: Double = 0) throws -> (masked: Tensor, centre: Tensor) {
        guard images.rank == 4, images.shape[2] == imageHeight, images.shape[3] == imageWidth else {
            throw TorchError(
                operation: "CentreMask.apply",
                message: "expected N×C×\(imageHeight)×\(imageWidth) images, got \(images.shape)")
        }
        return try withNoGrad {
            let masked = try images.clone()
            try masked.narrowed(dim: 2, start: hole.top, length: hole.height)
                .narrowed(dim: 3, start: hole.left, length: hole.width)
                .fill(fill)
            let centre = try images.narrowed(dim: 2, start: centre.top, length: centre.height)
                .narrowed(dim: 3, start: centre.left, length: centre.width).contiguous()
            return (masked, centre)
        }
    }
}
