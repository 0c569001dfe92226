/// Failures of a pretraining run, each naming the file, key or flag at fault.
public enum PretrainError: Error, CustomStringConvertible {
    case io(path: String, reason: String)
    case diverged(epoch: Int, step: Int, which: String, lastGoodCheckpoint: String?)
    case emptyDataset(split: String)
    case checkpoint(path: String, reason: String)
    case labelMismatch(expected: String, found: String)
    case invalidBatch(reason: String)
    /// A resume asked for settings other than the run recorded.
    case resumeConflict(run: String, differences: [SettingDifference])
    case invalidResume(run: String, reason: String)

    public var description: String {
        switch self {
        case let .io(p, r): return "\(p): \(r)"
        case let .diverged(e, s, w, ckpt):
            let keep = ckpt.map { "the last good checkpoint is kept at \($0)" } ?? "no checkpoint was written yet"
            return "training diverged at epoch \(e), step \(s): \(w) is not finite; \(keep). Try a lower learning rate."
        case let .emptyDataset(split): return "split '\(split)' has no images"
        case let .checkpoint(p, r): return "checkpoint \(p): \(r)"
        case let .labelMismatch(e, f):
            return "the run was trained on weak labels of mapping \(e), but the labels now are of mapping \(f); relabel the manifest with the run's labels.yaml (`sonotag labels --labels FILE`) or start a new run"
        case let .invalidBatch(r): return "invalid batch: \(r)"
        case let .resumeConflict(run, differences):
            return "cannot resume \(run) as asked: " + differences.map(\.description).joined(separator: "; ")
                + ". A resumed run keeps its recorded settings (only epochs, device and threads may change); leave those settings out or start a new run in another folder"
        case let .invalidResume(run, reason): return "cannot resume \(run): \(reason)"
        }
    }
}
