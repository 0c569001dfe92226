import Foundation
import GRDB

/// Which part of the cohort a patient belongs to.
public enum SplitName: String, Codable, Sendable, CaseIterable {
    case train, val, test
}

/// A seeded patient-level split. Every image of one patient lands in the same part, so
/// validation never sees a training patient.
public struct SplitSettings: Sendable, Equatable {
    public var valShare: Double
    public var testShare: Double
    public var seed: UInt64

    public init(valShare: Double = 0.2, testShare: Double = 0, seed: UInt64 = 0) throws {
        guard valShare >= 0, testShare >= 0, valShare + testShare < 1, valShare.isFinite, testShare.isFinite else {
            throw SonoDataError.invalidSplit("--val (\(valShare)) and --test (\(testShare)) must be ≥ 0 and sum to less than 1")
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
    /// then stand alone, so they can never straddle splits with a real patient.
    static let patientKeySQL = "COALESCE(patient_hash, 'study:' || study_instance_uid, 'file:' || id)"

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
            try FileRecord.fetchAll(db, sql: """
                SELECT f.* FROM files f JOIN patient_splits s ON s.patient_key = \(Self.patientKeySQL)
                WHERE f.status = 'ok' AND s.split = ? ORDER BY f.id
                """, arguments: [split.rawValue])
        }
    }

    /// The split of each `ok` file's patient key (for checks and reports).
    public func patientKeysBySplit() throws -> [SplitName: Set<String>] {
        try pool.read { db in
            var result: [SplitName: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT s.split, \(Self.patientKeySQL) FROM files f JOIN patient_splits s ON s.patient_key = \(Self.patientKeySQL)
                WHERE f.status = 'ok'
                """) {
                if let name = SplitName(rawValue: row[0]) { result[name, default: []].insert(row[1]) }
            }
            return result
        }
    }
}
