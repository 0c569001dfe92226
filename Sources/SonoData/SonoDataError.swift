import Foundation

/// Errors from the cohort pipeline. Messages name the file, flag or field at fault and never
/// carry patient identifiers.
public enum SonoDataError: Error, CustomStringConvertible, Equatable {
    case cannotOpenDatabase(path: String, message: String)
    case notAManifest(path: String, reason: String)
    case invalidKeyFile(path: String, message: String)
    case keyMismatch(manifest: String, keyPath: String, expected: String, found: String)
    case outsideArchive(manifest: String, root: String, folder: String)
    case invalidSplitFile(path: String, message: String)
    case notAFolder(path: String)
    case invalidLabelFile(path: String, message: String)
    case invalidTag(String)
    case forbiddenTag(String)
    case invalidSplit(String)
    case invalidSettings(String)
    case cache(path: String, message: String)
    case decode(path: String, message: String)
    case emptyDataset(String)
    /// The manifest was never labelled (`sonotag labels` has not run on it).
    case noStoredLabels(manifest: String)
    /// Stored labels that do not cover or fit the manifest's files.
    case staleLabels(manifest: String, reason: String)
    /// The manifest lacks what this command needs and a rerun of `sonotag index` adds.
    case staleManifest(path: String, message: String)

    public var description: String {
        switch self {
        case .cannotOpenDatabase(let path, let message): return "cannot open manifest \(path): \(message)"
        case .notAManifest(let path, let reason): return "\(path) is not a SonoTag manifest: \(reason)"
        case .invalidKeyFile(let path, let message): return "patient-id key file \(path): \(message)"
        case .keyMismatch(let manifest, let keyPath, let expected, let found):
            return
                "\(manifest) was indexed with another patient-id key (fingerprint \(expected)); \(keyPath) has fingerprint \(found). Pass --key with the key file used before, or index into a new --db"
        case .outsideArchive(let manifest, let root, let folder):
            return
                "\(manifest) indexes the archive at \(root); \(folder) is outside it. Index that folder or one under it, or use a new --db"
        case .invalidSplitFile(let path, let message): return "split file \(path): \(message)"
        case .notAFolder(let path): return "\(path) is not a folder"
        case .invalidLabelFile(let path, let message): return "label mapping \(path): \(message)"
        case .invalidTag(let tag): return "'\(tag)' is not a DICOM keyword or (gggg,eeee) tag"
        case .forbiddenTag(let tag): return "\(tag) identifies the patient and is never captured"
        case .invalidSplit(let message): return "split: \(message)"
        case .invalidSettings(let message): return "preprocessing settings: \(message)"
        case .cache(let path, let message): return "image cache \(path): \(message)"
        case .decode(let path, let message): return "\(path): \(message)"
        case .emptyDataset(let message): return "empty dataset: \(message)"
        case .noStoredLabels(let manifest):
            return "manifest \(manifest) has no stored weak labels; run `sonotag labels --db \(manifest)` first"
        case .staleLabels(let manifest, let reason):
            return "the weak labels stored in \(manifest) do not fit its files (\(reason)); run `sonotag labels --db \(manifest)` again"
        case .staleManifest(let path, let message): return "manifest \(path): \(message)"
        }
    }
}
