import Foundation

/// Errors from the cohort pipeline. Messages name the file, flag or field at fault and never
/// carry patient identifiers.
public enum SonoDataError: Error, CustomStringConvertible, Equatable {
    case cannotOpenDatabase(path: String, message: String)
    case notAFolder(path: String)
    case invalidLabelFile(path: String, message: String)
    case invalidTag(String)
    case forbiddenTag(String)
    case invalidSplit(String)
    case invalidSettings(String)
    case cache(path: String, message: String)
    case decode(path: String, message: String)
    case emptyDataset(String)
    /// The manifest lacks what this command needs and a rerun of `sonotag index` adds.
    case staleManifest(path: String, message: String)

    public var description: String {
        switch self {
        case let .cannotOpenDatabase(path, message): return "cannot open manifest \(path): \(message)"
        case let .notAFolder(path): return "\(path) is not a folder"
        case let .invalidLabelFile(path, message): return "label mapping \(path): \(message)"
        case let .invalidTag(tag): return "'\(tag)' is not a DICOM keyword or (gggg,eeee) tag"
        case let .forbiddenTag(tag): return "\(tag) identifies the patient and is never captured"
        case let .invalidSplit(message): return "split: \(message)"
        case let .invalidSettings(message): return "preprocessing settings: \(message)"
        case let .cache(path, message): return "image cache \(path): \(message)"
        case let .decode(path, message): return "\(path): \(message)"
        case let .emptyDataset(message): return "empty dataset: \(message)"
        case let .staleManifest(path, message): return "manifest \(path): \(message)"
        }
    }
}
