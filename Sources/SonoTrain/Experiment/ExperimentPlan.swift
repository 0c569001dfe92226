import Foundation
import SonoData
import SonoEval
import SonoModels
import SonoSupport

extension PretrainingConfiguration {
    /// The pretraining method this configuration needs (`sonotag pretrain --method`), if any.
    /// CE+DCM+F reuses CE+DCM's encoder and freezes it downstream.
    public var pretrainingMethod: PretrainMethod? {
        switch self {
        case .baseline, .imagenet: return nil
        case .dcm: return .dcm
        case .ce: return .ce
        case .ceDCM, .ceDCMFrozen: return .ceDCM
        }
    }

    /// Parses a comma-separated list of configurations, naming the bad entry; an empty list is
    /// an error (an experiment with no rows has nothing to do).
    public static func parseList(_ text: String) throws -> [PretrainingConfiguration] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else {
            throw ExperimentError.invalidPlan(
                field: ExperimentFile.Key.configs.rawValue,
                reason: "empty; give some of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return try names.map { name in
            guard let config = PretrainingConfiguration(rawValue: name.lowercased()) else {
                throw ExperimentError.invalidPlan(
                    field: ExperimentFile.Key.configs.rawValue,
                    reason: "unknown configuration '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
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
            throw ExperimentError.invalidPlan(field: "task", reason: "'\(flag)' is not NAME=PATH")
        }
        var name = String(flag[..<eq])
        let path = String(flag[flag.index(after: eq)...])
        guard !name.isEmpty, !path.isEmpty else { throw ExperimentError.invalidPlan(field: "task", reason: "'\(flag)' is not NAME=PATH") }
        var kind: DownstreamTask?
        if let colon = name.firstIndex(of: ":") {
            let kindText = String(name[name.index(after: colon)...])
            guard let parsed = DownstreamTask(rawValue: kindText) else {
                throw ExperimentError.invalidPlan(field: "task", reason: "kind '\(kindText)' is not segmentation or classification")
            }
            kind = parsed
            name = String(name[..<colon])
        }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw ExperimentError.invalidPlan(field: "task", reason: "task name '\(name)' may use letters, digits, _ and - only")
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
    public func pretrainRun(backbone: Backbone, method: PretrainMethod, seed: Int? = nil) -> URL {
        let url = root.appendingPathComponent("pretrain").appendingPathComponent(backbone.rawValue).appendingPathComponent(
            safe(method.rawValue))
        return seed.map { url.appendingPathComponent("seed-\($0)") } ?? url
    }

    /// The seed index of the pretraining a low-data experiment fine-tunes from: 0 when a
    /// multi-seed Table 2 in the same folder already trained seed 0 (its settings are the
    /// single-seed run's: seed index 0 adds nothing to the seed), nil for the single-seed layout.
    /// Without it the low-data run would find that folder holding only `seed-N` runs and refuse it.
    public func sharedPretrainSeed(backbone: Backbone, method: PretrainMethod) -> Int? {
        FileManager.default.fileExists(atPath: pretrainRun(backbone: backbone, method: method, seed: 0).path) ? 0 : nil
    }

    public func finetuneRun(
        backbone: Backbone, config: PretrainingConfiguration, task: String, repeat index: Int? = nil,
        seed: Int? = nil
    ) -> URL {
        var url = root.appendingPathComponent("finetune").appendingPathComponent(backbone.rawValue)
            .appendingPathComponent(safe(config.rawValue)).appendingPathComponent(task)
        if let seed { url = url.appendingPathComponent("seed-\(seed)") }
        if let index { url = url.appendingPathComponent("repeat-\(index)") }
        return url
    }

    /// `+` is legal in file names but awkward in shells and URLs.
    private func safe(_ name: String) -> String { name.replacingOccurrences(of: "+", with: "-") }
}
