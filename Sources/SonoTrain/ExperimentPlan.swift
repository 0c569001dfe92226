import Foundation

/// The paper's pretraining configurations (rows of Table 2).
public enum PretrainingConfiguration: String, Sendable, Codable, CaseIterable {
    case baseline
    case imagenet
    case dcm
    case ce
    case ceDCM = "ce+dcm"
    case ceDCMFrozen = "ce+dcm+f"

    /// The row label the paper uses.
    public var paperName: String {
        switch self {
        case .baseline: return "Baseline"
        case .imagenet: return "ImageNet"
        case .dcm: return "DCM"
        case .ce: return "CE"
        case .ceDCM: return "CE+DCM"
        case .ceDCMFrozen: return "CE+DCM+F"
        }
    }

    /// The pretraining method this configuration needs (`sonotag pretrain --method`), if any.
    /// CE+DCM+F reuses CE+DCM's encoder and freezes it downstream.
    public var pretrainingMethod: String? {
        switch self {
        case .baseline, .imagenet: return nil
        case .dcm: return "dcm"
        case .ce: return "ce"
        case .ceDCM, .ceDCMFrozen: return "ce+dcm"
        }
    }

    public var freezesEncoder: Bool { self == .ceDCMFrozen }

    /// Parses a comma-separated `--configs` list, naming the bad entry.
    public static func parseList(_ text: String) throws -> [PretrainingConfiguration] {
        try text.split(separator: ",").map { raw in
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard let config = PretrainingConfiguration(rawValue: name) else {
                throw FinetuneError.badFlag("--configs", reason: "unknown configuration '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return config
        }
    }
}

/// One downstream task of an experiment: `NAME=PATH`, optionally `NAME:segmentation=PATH` or
/// `NAME:classification=PATH`. Without a kind, a labels.csv with a label column (label, score,
/// class, grade, level, quality) means classification; otherwise masks mean segmentation.
public struct ExperimentTaskSpec: Sendable, Codable, Equatable {
    public var name: String
    public var path: String
    public var kind: DownstreamTask

    public init(name: String, path: String, kind: DownstreamTask) {
        self.name = name
        self.path = path
        self.kind = kind
    }

    public init(flag: String) throws {
        guard let eq = flag.firstIndex(of: "=") else {
            throw FinetuneError.badFlag("--task", reason: "'\(flag)' is not NAME=PATH")
        }
        var name = String(flag[..<eq])
        let path = String(flag[flag.index(after: eq)...])
        guard !name.isEmpty, !path.isEmpty else { throw FinetuneError.badFlag("--task", reason: "'\(flag)' is not NAME=PATH") }
        var kind: DownstreamTask?
        if let colon = name.firstIndex(of: ":") {
            let kindText = String(name[name.index(after: colon)...])
            guard let parsed = DownstreamTask(rawValue: kindText) else {
                throw FinetuneError.badFlag("--task", reason: "kind '\(kindText)' is not segmentation or classification")
            }
            kind = parsed
            name = String(name[..<colon])
        }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw FinetuneError.badFlag("--task", reason: "task name '\(name)' may use letters, digits, _ and - only")
        }
        self.init(name: name, path: path, kind: try kind ?? ExperimentTaskSpec.guessKind(path))
    }

    static func guessKind(_ path: String) throws -> DownstreamTask {
        let root = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DownstreamDataError.notFound(path)
        }
        guard isDirectory.boolValue else {
            let table = try CSVTable(contentsOf: root)
            return table.header.contains { ["mask", "masks"].contains($0.lowercased()) } ? .segmentation : .classification
        }
        let masks = root.appendingPathComponent("masks").path
        let hasMasks = ((try? FileManager.default.contentsOfDirectory(atPath: masks)) ?? []).contains {
            downstreamImageExtensions.contains(($0 as NSString).pathExtension.lowercased())
        }
        let labels = root.appendingPathComponent("labels.csv")
        let header = ((try? CSVTable(contentsOf: labels))?.header ?? []).map { $0.lowercased() }
        if header.contains(where: { labelColumnNames.contains($0) }) { return .classification }
        if hasMasks || header.contains("mask") || header.contains("masks") { return .segmentation }
        return .classification
    }

    /// The metric Table 2 reports for this task: Dice for segmentation, accuracy for classification.
    public var primaryMetric: String { kind == .segmentation ? "dice" : "accuracy" }
}

/// File layout of an experiment folder, shared by table2 and lowdata so reruns find old work.
public struct ExperimentLayout: Sendable {
    public var root: URL

    public init(root: URL) { self.root = root }

    /// `seed` is the seed index of a multi-seed experiment (nil: the single-seed layout).
    public func pretrainRun(backbone: String, method: String, seed: Int? = nil) -> URL {
        let url = root.appendingPathComponent("pretrain").appendingPathComponent(backbone).appendingPathComponent(safe(method))
        return seed.map { url.appendingPathComponent("seed-\($0)") } ?? url
    }

    public func finetuneRun(backbone: String, config: PretrainingConfiguration, task: String, repeat index: Int? = nil,
                            seed: Int? = nil) -> URL {
        var url = root.appendingPathComponent("finetune").appendingPathComponent(backbone)
            .appendingPathComponent(safe(config.rawValue)).appendingPathComponent(task)
        if let seed { url = url.appendingPathComponent("seed-\(seed)") }
        if let index { url = url.appendingPathComponent("repeat-\(index)") }
        return url
    }

    /// `+` is legal in file names but awkward in shells and URLs.
    private func safe(_ name: String) -> String { name.replacingOccurrences(of: "+", with: "-") }
}
