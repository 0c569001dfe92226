import Crypto
import Foundation
import SonoEval
import SonoSupport

/// The settings one experiment sub-run (a pretraining, or a fine-tuning with its evaluation) is
/// made with, as ordered `key: value` texts, and their SHA-256.
///
/// They are written into the sub-run's folder before it starts. A rerun of the experiment reuses
/// or resumes a sub-run only when the settings it would use now are equal to the recorded ones,
/// so a changed size, epoch count or label mapping is never answered with old results.
public struct SubRunSettings: Equatable, Sendable {
    public static let fileName = "experiment_settings.yaml"

    public struct Entry: Equatable, Sendable {
        public var key: String
        public var value: String
    }

    public var entries: [Entry]

    public init(_ entries: [(String, String)]) {
        self.entries = entries.map { Entry(key: $0.0, value: $0.1) }
    }

    /// SHA-256 of the entries, one `key: value` line each.
    public var hash: String {
        let text = entries.map { "\($0.key): \($0.value)\n" }.joined()
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// `settings_hash` first, then every entry, values as JSON strings (which YAML reads).
    public func yaml() -> String {
        func quoted(_ text: String) -> String {
            String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        return (["settings_hash: \(quoted(hash))"] + entries.map { "\($0.key): \(quoted($0.value))" }).joined(separator: "\n") + "\n"
    }

    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(Data(yaml().utf8), to: folder.appendingPathComponent(Self.fileName))
    }

    /// The record in `folder`, nil when there is none.
    public static func read(from folder: URL) throws -> SubRunSettings? {
        let url = folder.appendingPathComponent(fileName)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        var entries: [(String, String)] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            guard let colon = line.range(of: ": "),
                let value = try? JSONDecoder().decode(String.self, from: Data(line[colon.upperBound...].utf8))
            else {
                throw ExperimentError.badRecord(path: url.path, reason: "line \(number + 1) is not `key: \"value\"`")
            }
            let key = String(line[..<colon.lowerBound])
            if key != "settings_hash" { entries.append((key, value)) }
        }
        return SubRunSettings(entries)
    }

    /// Settings that differ between this record and `planned`, named by key.
    public func differences(from planned: SubRunSettings) -> [SettingDifference] {
        let recorded = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let wanted = Dictionary(planned.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        var keys = planned.entries.map(\.key)
        keys += entries.map(\.key).filter { wanted[$0] == nil }
        return keys.compactMap { key in
            let a = recorded[key], b = wanted[key]
            return a == b ? nil : SettingDifference(key: key, recorded: a ?? "(none)", requested: b ?? "(none)")
        }
    }
}

extension SubRunSettings {
    /// A pretraining sub-run: its configuration (where it runs — device, threads — aside), the
    /// cohort and the weak labels' mapping.
    static func pretraining(_ config: RunConfig, database: String, labelMappingHash: String) -> SubRunSettings {
        var entries = [("database", URL(fileURLWithPath: database).standardizedFileURL.path), ("label_mapping_hash", labelMappingHash)]
        for key in RunConfig.Key.allCases where !key.changesOnResume {
            if let value = config.value(of: key) { entries.append((key.rawValue, value)) }
        }
        return SubRunSettings(entries)
    }

    /// A fine-tuning sub-run: its configuration (device and threads aside), the settings of the
    /// pretraining its encoder comes from, and how it is evaluated.
    static func finetuning(_ config: FinetuneConfig, encoderSettings: SubRunSettings?, evaluation: EvaluationOptions) throws
        -> SubRunSettings
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let object = try JSONSerialization.jsonObject(with: encoder.encode(config)) as? [String: Any] else {
            throw ExperimentError.badRecord(path: FinetuneConfig.fileName, reason: "the fine-tuning settings are not a mapping")
        }
        var entries: [(String, String)] = []
        for key in object.keys.sorted() where key != "device" && key != "threads" {
            let data = try JSONSerialization.data(withJSONObject: object[key]!, options: [.fragmentsAllowed, .sortedKeys])
            entries.append((key, String(decoding: data, as: UTF8.self)))
        }
        if let encoderSettings { entries.append(("encoder_settings_hash", encoderSettings.hash)) }
        entries += [
            ("evaluation_split", evaluation.split?.rawValue ?? "all"), ("evaluation_resamples", "\(evaluation.resamples)"),
            ("evaluation_overlays", "\(evaluation.overlays)"), ("evaluation_seed", "\(evaluation.seed)")
        ]
        return SubRunSettings(entries)
    }
}

/// Failures of an experiment as a whole (before or between its sub-runs).
public enum ExperimentError: Error, CustomStringConvertible {
    /// Finished or started sub-runs whose recorded settings differ from the plan's.
    case settingsChanged([(run: String, differences: [SettingDifference])])
    case badRecord(path: String, reason: String)
    /// A plan setting that cannot be run, named by field.
    case invalidPlan(field: String, reason: String)
    case labelsChanged(run: String, expected: String, found: String)

    public var description: String {
        switch self {
        case .settingsChanged(let runs):
            let lines = runs.map { "  \($0.run): " + $0.differences.map(\.description).joined(separator: "; ") }
            return
                "the experiment folder holds runs made with other settings; nothing was run. Use another output folder, remove these runs, or ask for their settings:\n"
                + lines.joined(separator: "\n")
        case .badRecord(let path, let reason): return "\(path): \(reason)"
        case .invalidPlan(let field, let reason): return "experiment \(field): \(reason)"
        case .labelsChanged(let run, let expected, let found):
            return "\(run): planned with weak labels of mapping \(expected), but the manifest's labels are of mapping \(found)"
        }
    }
}
