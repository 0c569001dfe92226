import Crypto
import Foundation
import GRDB
import SeededRandom
import SonoSupport

/// Which part of a data set an image belongs to: of the pretraining cohort (by patient) and of
/// every downstream set alike.
public enum SplitName: String, Codable, Sendable, CaseIterable {
    case train, val, test

    /// Accepts the spellings people use in label files.
    public init?(loose text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "train", "training": self = .train
        case "val", "valid", "validation", "dev": self = .val
        case "test", "testing": self = .test
        default: return nil
        }
    }
}

/// A seeded patient-level split. Every image of one patient lands in the same part, so
/// validation never sees a training patient.
public struct SplitSettings: Sendable, Equatable {
    public var valShare: Double
    public var testShare: Double
    public var seed: UInt64

    public init(valShare: Double = 0.2, testShare: Double = 0, seed: UInt64 = 0) throws {
        guard valShare >= 0, testShare >= 0, valShare + testShare < 1, valShare.isFinite, testShare.isFinite else {
            throw SonoDataError.invalidSplit(
                "validation share (\(valShare)) and test share (\(testShare)) must be ≥ 0 and sum to less than 1")
        }
        self.valShare = valShare
        self.testShare = testShare
        self.seed = seed
    }
}

/// Counts of one split after assignment.
public struct SplitSummary: Sendable, Equatable {
    public var patients: [SplitName: Int]
    public var images: [SplitName: Int]
}

extension ManifestDatabase {
    /// The grouping key of a file: its hashed patient id; files without one are grouped by study,
    /// then stand alone (by their path under the archive root, the same in every manifest of the
    /// archive), so they can never straddle splits with a real patient.
    static let patientKeySQL = "COALESCE(patient_hash, 'study:' || study_instance_uid, 'file:' || path)"

    /// Assigns every patient with an `ok` image to train / val / test and stores the result,
    /// replacing any earlier split. Patients are sorted by key, then shuffled with `seed`, so
    /// the same manifest and seed give the same split.
    @discardableResult
    public func assignSplit(_ settings: SplitSettings) throws -> SplitSummary {
        try pool.write { db in
            let keys = try String.fetchAll(db, sql: "SELECT DISTINCT \(Self.patientKeySQL) AS k FROM files WHERE status = 'ok' ORDER BY k")
            var shuffled = keys
            var generator = SeededGenerator(seed: settings.seed)
            shuffled.seededShuffle(&generator)
            let valCount = Int((Double(keys.count) * settings.valShare).rounded())
            let testCount = Int((Double(keys.count) * settings.testShare).rounded())
            try db.execute(sql: "DELETE FROM patient_splits")
            let insert = try db.makeStatement(sql: "INSERT INTO patient_splits(patient_key, split) VALUES (?, ?)")
            for (position, key) in shuffled.enumerated() {
                let split: SplitName = position < valCount ? .val : (position < valCount + testCount ? .test : .train)
                try insert.execute(arguments: [key, split.rawValue])
            }
            let settingsText = "val=\(settings.valShare) test=\(settings.testShare) seed=\(settings.seed)"
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('split_settings', ?)", arguments: [settingsText])
            return try Self.splitSummary(db)
        }
    }

    /// A digest of the stored split (every patient key with its part), nil when there is none.
    /// Two manifests with equal hashes put every patient in the same part; a pretraining run
    /// records it so that resuming on a changed split is refused.
    public func splitHash() throws -> String? {
        try pool.read { db -> String? in
            let rows = try Row.fetchAll(db, sql: "SELECT patient_key, split FROM patient_splits ORDER BY patient_key")
            guard !rows.isEmpty else { return nil }
            var digest = SHA256()
            for row in rows {
                let key: String = row[0], split: String = row[1]
                digest.update(data: Data("\(key)\t\(split)\n".utf8))
            }
            return PatientKey.hex(digest.finalize().prefix(16))
        }
    }

    // MARK: moving a split between manifests

    static let splitFileHeader = "# sonotag split v1"

    /// Writes the stored split to `path`: a header naming the patient key's fingerprint, then
    /// one `patient_key,split` line per patient (keys are hashes, never ids).
    @discardableResult
    public func exportSplit(to path: String) throws -> Int {
        let (fingerprint, rows) = try pool.read { db -> (String?, [Row]) in
            (
                try Self.meta(Self.patientKeyFingerprintKey, db),
                try Row.fetchAll(db, sql: "SELECT patient_key, split FROM patient_splits ORDER BY patient_key")
            )
        }
        guard !rows.isEmpty else {
            throw SonoDataError.invalidSplit("\(self.path) has no split to export; run `sonotag split --db \(self.path)` first")
        }
        var text = "\(Self.splitFileHeader) key=\(fingerprint ?? "none")\npatient_key,split\n"
        for row in rows {
            let key: String = row[0], split: String = row[1]
            text += "\(key),\(split)\n"
        }
        do {
            try AtomicFile.write(text, to: URL(fileURLWithPath: path))
        } catch {
            throw SonoDataError.invalidSplitFile(path: path, message: "cannot be written")
        }
        return rows.count
    }

    /// What `importSplit` did.
    public struct SplitImport: Sendable, Equatable {
        public var summary: SplitSummary
        /// Patients of this manifest that the file does not assign (they belong to no part).
        public var patientsMissingFromFile: Int
        /// Patients in the file that this manifest does not have.
        public var patientsNotInManifest: Int
    }

    /// Replaces the stored split with the one in `path` (written by `exportSplit`). The file must
    /// come from a manifest indexed with the same patient key, or its hashes mean nothing here.
    @discardableResult
    public func importSplit(from path: String) throws -> SplitImport {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SonoDataError.invalidSplitFile(path: path, message: "cannot be read")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first, header.hasPrefix(Self.splitFileHeader) else {
            throw SonoDataError.invalidSplitFile(
                path: path, message: "line 1: expected '\(Self.splitFileHeader) key=…' (as `sonotag split --export` writes)")
        }
        let fileKey = header.split(separator: " ").first { $0.hasPrefix("key=") }.map { String($0.dropFirst(4)) }
        let ownKey = try meta(Self.patientKeyFingerprintKey)
        if let fileKey, let ownKey, fileKey != ownKey {
            throw SonoDataError.invalidSplitFile(
                path: path,
                message:
                    "made from a manifest indexed with another patient-id key (fingerprint \(fileKey), this manifest's is \(ownKey)); index with the same --key"
            )
        }
        guard lines.count >= 2, lines[1] == "patient_key,split" else {
            throw SonoDataError.invalidSplitFile(path: path, message: "line 2: expected the column header 'patient_key,split'")
        }
        var assignments: [String: SplitName] = [:]
        for (offset, line) in lines.dropFirst(2).enumerated() where !line.isEmpty {
            let number = offset + 3
            guard let comma = line.lastIndex(of: ",") else {
                throw SonoDataError.invalidSplitFile(path: path, message: "line \(number): expected 'patient_key,split'")
            }
            let key = String(line[..<comma]), value = String(line[line.index(after: comma)...])
            guard let split = SplitName(rawValue: value) else {
                throw SonoDataError.invalidSplitFile(path: path, message: "line \(number): split '\(value)' is not train, val or test")
            }
            if let previous = assignments[key], previous != split {
                throw SonoDataError.invalidSplitFile(
                    path: path, message: "line \(number): a patient key appears twice with different splits")
            }
            assignments[key] = split
        }
        guard !assignments.isEmpty else { throw SonoDataError.invalidSplitFile(path: path, message: "no patients") }
        return try pool.write { db in
            let own = Set(try String.fetchAll(db, sql: "SELECT DISTINCT \(Self.patientKeySQL) FROM files WHERE status = 'ok'"))
            try db.execute(sql: "DELETE FROM patient_splits")
            let insert = try db.makeStatement(sql: "INSERT INTO patient_splits(patient_key, split) VALUES (?, ?)")
            for (key, split) in assignments.sorted(by: { $0.key < $1.key }) {
                try insert.execute(arguments: [key, split.rawValue])
            }
            try Self.setMeta("split_settings", "imported from \((path as NSString).lastPathComponent)", db)
            return SplitImport(
                summary: try Self.splitSummary(db),
                patientsMissingFromFile: own.subtracting(assignments.keys).count,
                patientsNotInManifest: Set(assignments.keys).subtracting(own).count)
        }
    }

    public func splitSummary() throws -> SplitSummary {
        try pool.read { db in try Self.splitSummary(db) }
    }

    static func splitSummary(_ db: Database) throws -> SplitSummary {
        var patients: [SplitName: Int] = [:], images: [SplitName: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT split, COUNT(*) FROM patient_splits GROUP BY split") {
            if let name = SplitName(rawValue: row[0]) { patients[name] = row[1] }
        }
        let sql = """
            SELECT s.split, COUNT(*) FROM files f JOIN patient_splits s ON s.patient_key = \(patientKeySQL)
            WHERE f.status = 'ok' GROUP BY s.split
            """
        for row in try Row.fetchAll(db, sql: sql) {
            if let name = SplitName(rawValue: row[0]) { images[name] = row[1] }
        }
        return SplitSummary(patients: patients, images: images)
    }

    /// The `ok` files of one split, ordered by id. Files indexed after the split was made
    /// belong to no split until `assignSplit` runs again.
    public func files(in split: SplitName) throws -> [FileRecord] {
        try pool.read { db in
            try FileRecord.fetchAll(
                db,
                sql: """
                    SELECT f.* FROM files f JOIN patient_splits s ON s.patient_key = \(Self.patientKeySQL)
                    WHERE f.status = 'ok' AND s.split = ? ORDER BY f.id
                    """, arguments: [split.rawValue])
        }
    }

    /// The split of each `ok` file's patient key (for checks and reports).
    public func patientKeysBySplit() throws -> [SplitName: Set<String>] {
        try pool.read { db in
            var result: [SplitName: Set<String>] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT s.split, \(Self.patientKeySQL) FROM files f JOIN patient_splits s ON s.patient_key = \(Self.patientKeySQL)
                    WHERE f.status = 'ok'
                    """)
            {
                if let name = SplitName(rawValue: row[0]) { result[name, default: []].insert(row[1]) }
            }
            return result
        }
    }
}
