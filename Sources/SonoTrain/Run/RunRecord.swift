import Foundation
import SonoData
import SonoSupport
import Torch

/// `RUN/run.json`: what produced a run folder, so that a result can be traced to its command,
/// build, machine and data. One session per invocation in the folder (a resumed run adds one).
public struct RunRecord: Codable, Sendable, Equatable {
    /// The data a session read; fields that do not apply stay nil.
    public struct DataIdentity: Codable, Sendable, Equatable {
        /// The cohort manifest (absolute path).
        public var manifest: String?
        /// `sonotag labels`' mapping hash stored in the manifest, when labels were applied.
        public var mappingHash: String?
        /// `ManifestDatabase.splitHash()` of the patient split trained on.
        public var splitHash: String?
        /// A downstream dataset folder or CSV (absolute path).
        public var dataset: String?

        public init(manifest: String? = nil, mappingHash: String? = nil, splitHash: String? = nil, dataset: String? = nil) {
            self.manifest = manifest
            self.mappingHash = mappingHash
            self.splitHash = splitHash
            self.dataset = dataset
        }

        /// The identity of a manifest's labels and split, read from the file.
        public static func ofManifest(at path: String) throws -> DataIdentity {
            let manifest = try ManifestDatabase(path: path)
            return DataIdentity(
                manifest: URL(fileURLWithPath: path).standardizedFileURL.path,
                mappingHash: try manifest.meta("label_mapping_hash"), splitHash: try manifest.splitHash())
        }
    }

    public struct Session: Codable, Sendable, Equatable {
        public var commandLine: [String]
        public var version: String
        public var commit: String
        public var libtorch: String
        public var device: String
        public var threads: Int
        public var data: DataIdentity
        public var started: String
        public var finished: String?
        /// running, finished, interrupted (at a checkpoint, resumable), or failed (with `error`).
        public var status: String
        public var error: String?
    }

    public var sessions: [Session]

    public static let fileName = "run.json"

    /// Reads `folder/run.json`; nil when there is none.
    public static func read(from folder: URL) throws -> RunRecord? {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        do { return try JSONDecoder().decode(RunRecord.self, from: data) } catch {
            throw FinetuneError.badRunFile(url.path, reason: "not a SonoTag run record (\(error))")
        }
    }

    /// Adds a `running` session to `folder/run.json` (creating the folder) and returns a handle
    /// that marks it finished or failed.
    public static func begin(
        in folder: URL, version: String, commit: String, device: String, threads: Int?,
        data: DataIdentity, commandLine: [String] = CommandLine.arguments
    ) throws -> Recorder {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var record = try read(from: folder) ?? RunRecord(sessions: [])
        record.sessions.append(
            Session(
                commandLine: commandLine, version: version, commit: commit, libtorch: TorchRuntime.version,
                device: device, threads: threads ?? TorchRuntime.threadCount, data: data,
                started: timestamp(), finished: nil, status: "running", error: nil))
        try record.write(to: folder)
        return Recorder(folder: folder, record: record)
    }

    /// Marks the session that `begin` added.
    public final class Recorder {
        let folder: URL
        var record: RunRecord
        init(folder: URL, record: RunRecord) { self.folder = folder; self.record = record }

        public func finish() throws { try end(status: "finished", error: nil) }
        public func fail(_ error: Error) { try? end(status: "failed", error: "\(error)") }

        private func end(status: String, error: String?) throws {
            guard !record.sessions.isEmpty else { return }
            record.sessions[record.sessions.count - 1].finished = RunRecord.timestamp()
            record.sessions[record.sessions.count - 1].status = status
            record.sessions[record.sessions.count - 1].error = error
            try record.write(to: folder)
        }

        /// Runs `body` between `begin` and finish / fail.
        public func around<T>(_ body: () throws -> T) throws -> T {
            do {
                let value = try body()
                try finish()
                return value
            } catch let stop as TrainingInterrupted {
                try? end(status: "interrupted", error: "\(stop)")
                throw stop
            } catch {
                fail(error)
                throw error
            }
        }
    }

    func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(self), to: folder.appendingPathComponent(Self.fileName))
    }

    static func timestamp() -> String { timestampFormatter().string(from: Date()) }

    /// The time a `started` / `finished` field records; nil when it is not one of ours.
    static func date(fromTimestamp text: String) -> Date? { timestampFormatter().date(from: text) }

    private static func timestampFormatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    /// The split hash of the last session that recorded one (for the resume check).
    public var lastSplitHash: String? { sessions.reversed().lazy.compactMap(\.data.splitHash).first }
}
