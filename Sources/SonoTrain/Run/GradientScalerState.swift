import Foundation
import TorchNN

/// The fp16 loss scaler's state in a checkpoint's metadata, so a resumed run goes on with the
/// scale it had reached instead of starting again at 65536 (and skipping steps while it backs
/// off to where it was). Two keys per scaler: `<prefix>_scale`, `<prefix>_growth_tracker`.
extension GradientScaler {
    func checkpointMetadata(prefix: String) -> [String: String] {
        // Swift prints a Double in the shortest form that reads back to the same bits.
        ["\(prefix)_scale": String(scale), "\(prefix)_growth_tracker": String(growthTracker)]
    }

    /// Restores the state saved under `prefix`. Checkpoints written before the scaler was saved
    /// have neither key: the scaler then keeps its initial state, as such a resume always did.
    func restore(fromCheckpointMetadata metadata: [String: String], prefix: String, source: String) throws -> Bool {
        guard let scaleText = metadata["\(prefix)_scale"], let trackerText = metadata["\(prefix)_growth_tracker"] else { return false }
        guard let scale = Double(scaleText), scale.isFinite, scale > 0, let tracker = Int(trackerText), tracker >= 0 else {
            throw CheckpointScalerError(
                source: source,
                reason:
                    "metadata '\(prefix)_scale' = '\(scaleText)' / '\(prefix)_growth_tracker' = '\(trackerText)' is not a positive scale and a count"
            )
        }
        restore(scale: scale, growthTracker: tracker)
        return true
    }
}

/// A checkpoint whose saved loss-scaler state cannot be read.
struct CheckpointScalerError: Error, CustomStringConvertible {
    let source: String
    let reason: String
    var description: String { "\(source): \(reason)" }
}
