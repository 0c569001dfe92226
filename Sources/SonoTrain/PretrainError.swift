/// Failures of a pretraining run, each naming the file, key or flag at fault.
public enum PretrainError: Error, CustomStringConvertible {
    case io(path: String, reason: String)
    case diverged(epoch: Int, step: Int, which: String, lastGoodCheckpoint: String?)
    case emptyDataset(split: String)
    case checkpoint(path: String, reason: String)
    case labelMismatch(expected: String, found: String)
    case invalidBatch(reason: String)

    public var description: String {
        switch self {
        case let .io(p, r): return "\(p): \(r)"
        case let .diverged(e, s, w, ckpt):
            let keep = ckpt.map { "the last good checkpoint is kept at \($0)" } ?? "no checkpoint was written yet"
            return "training diverged at epoch \(e), step \(s): \(w) is not finite; \(keep). Try a lower learning rate."
        case let .emptyDataset(split): return "split '\(split)' has no images"
        case let .checkpoint(p, r): return "checkpoint \(p): \(r)"
        case let .labelMismatch(e, f): return "label mapping changed since the checkpoint (hash \(e), now \(f)); resume with the same labels.yaml"
        case let .invalidBatch(r): return "invalid batch: \(r)"
        }
    }
}
