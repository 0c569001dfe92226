import Torch

/// Dynamic loss scaling for float16 training, with torch.cuda.amp.GradScaler's rule: the loss is
/// multiplied by `scale` before backward so small gradients survive float16; the gradients are
/// divided back before the optimizer step; a step whose gradients hold an inf or NaN is skipped
/// and the scale multiplied by `backoffFactor`; after `growthInterval` finite steps in a row the
/// scale grows by `growthFactor`. Disabled (bf16 and fp32 need no scaling), it passes through.
public final class GradientScaler {
    public let isEnabled: Bool
    public private(set) var scale: Double
    public let growthFactor: Double
    public let backoffFactor: Double
    public let growthInterval: Int
    /// Finite steps since the last change of scale (saved with the scale to resume exactly).
    public private(set) var growthTracker = 0

    public init(
        enabled: Bool, initialScale: Double = 65536, growthFactor: Double = 2, backoffFactor: Double = 0.5,
        growthInterval: Int = 2000
    ) {
        isEnabled = enabled
        scale = initialScale
        self.growthFactor = growthFactor
        self.backoffFactor = backoffFactor
        self.growthInterval = growthInterval
    }

    /// Restores a saved state (a checkpoint's).
    public func restore(scale: Double, growthTracker: Int) {
        self.scale = scale
        self.growthTracker = growthTracker
    }

    /// The loss to call backward on.
    public func scaled(_ loss: Tensor) throws -> Tensor {
        isEnabled ? try loss * scale : loss
    }

    /// Unscales the gradients of `optimizer`'s parameters and takes its step unless one of them
    /// is not finite; then updates the scale. Returns whether the step was taken.
    @discardableResult
    public func step(_ optimizer: Adam) throws -> Bool {
        guard isEnabled else {
            try optimizer.step()
            return true
        }
        let gradients = optimizer.groups.flatMap { $0.parameters.compactMap { $0.tensor.grad } }
        var finite = true
        try withNoGrad {
            for gradient in gradients {
                try gradient.mulInPlace(1 / scale)
                if finite, try gradient.isFinite().all().item() == 0 { finite = false }
            }
        }
        if finite { try optimizer.step() }
        update(foundNonFinite: !finite)
        return finite
    }

    /// The scale rule on its own (after a step was taken or skipped).
    public func update(foundNonFinite: Bool) {
        guard isEnabled else { return }
        if foundNonFinite {
            scale *= backoffFactor
            growthTracker = 0
        } else {
            growthTracker += 1
            if growthTracker == growthInterval {
                scale *= growthFactor
                growthTracker = 0
            }
        }
    }
}
