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
        case .io(let p, let r): return "\(p): \(r)"
        case .diverged(let e, let s, let w, let ckpt):
            let keep = ckpt.map { "the last good checkpoint is kept at \($0)" } ?? "no checkpoint was written yet"
            return "training diverged at epoch \(e), step \(s): \(w) is not finite; \(keep). Try a lower learning rate."
        case .emptyDataset(let split): return "split '\(split)' has no images"
        case .checkpoint(let p, let r): return "checkpoint \(p): \(r)"
        case .labelMismatch(let e, let f):
            return
                "the run was trained on weak labels of mapping \(e), but the labels now are of mapping \(f); relabel the manifest with the run's labels.yaml (`sonotag labels --labels FILE`) or start a new run"
        case .invalidBatch(let r): return "invalid batch: \(r)"
        case .resumeConflict(let run, let differences):
            return "cannot resume \(run) as asked: " + differences.map(\.description).joined(separator: "; ")
                + ". A resumed run keeps its recorded settings (only epochs, device and threads may change); leave those settings out or start a new run in another folder"
        case .invalidResume(let run, let reason): return "cannot resume \(run): \(reason)"
        }
    }
}
