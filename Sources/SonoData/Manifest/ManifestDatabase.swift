import Foundation
import GRDB

/// The cohort manifest: a SQLite file in WAL mode, so the crawl can write while readers read,
/// and a `kill -9` loses only the uncommitted batch.
///
/// Opening checks that the file is a SonoTag manifest of a supported schema version before
/// anything is written to it, so no command ever adds tables to somebody else's SQLite file.
public final class ManifestDatabase: @unchecked Sendable {
    public let path: String
    public let pool: DatabasePool

    /// Opens the manifest at `path`. With `createIfMissing`, a missing (or empty) file becomes a
    /// new manifest; otherwise a missing file is an error. A file that exists must be a SonoTag
    /// manifest of schema `ManifestSchema.version`.
    public init(path: String, createIfMissing: Bool = false) throws {
        self.path = path
        let isNew = Self.isAbsentOrEmpty(path)
        if isNew, !createIfMissing {
            throw SonoDataError.notAManifest(path: path, reason: "no such file; create it with `sonotag index DIR --db \(path)`")
        }
        if !isNew { try ManifestSchema.checkIdentity(path: path) }
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // Additive migrations (image kinds) upgrade a manifest of this schema in place.
            try ManifestSchema.migrator.migrate(pool)
            if isNew { try pool.write { db in try ManifestSchema.stampIdentity(db) } }
        } catch let error as DatabaseError {
            throw SonoDataError.cannotOpenDatabase(path: path, message: error.message ?? "\(error.resultCode)")
        }
    }

    private static func isAbsentOrEmpty(_ path: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return true }
        return (attributes[.size] as? NSNumber)?.intValue == 0
    }

    // MARK: meta

    public func meta(_ key: String) throws -> String? {
        try pool.read { db in try Self.meta(key, db) }
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try pool.write { db in try Self.setMeta(key, value, db) }
    }

    static func meta(_ key: String, _ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }

    static func setMeta(_ key: String, _ value: String, _ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
    }

    // MARK: archive root

    static let archiveRootKey = "archive_root"

    /// The absolute folder that the `files.path` values are relative to (set by the first crawl).
    public func archiveRoot() throws -> String? { try meta(Self.archiveRootKey) }

    /// The absolute location of a manifest file row (its `path` is relative to the archive root).
    public func location(of record: FileRecord) throws -> String {
        guard let root = try archiveRoot() else { return record.path }
        return Self.resolve(record.path, root: root)
    }

    static func resolve(_ relative: String, root: String) -> String {
        if relative.hasPrefix("/") { return relative }
        return root.hasSuffix("/") ? root + relative : root + "/" + relative
    }

    // MARK: patient key

    static let patientKeyFingerprintKey = "patient_key_fingerprint"

    /// Records `key`'s fingerprint on first use and refuses a different key afterwards: one
    /// manifest never mixes hashes made with two keys.
    public func bind(_ key: PatientKey, keyPath: String? = nil) throws {
        try pool.write { db in
            if let stored = try Self.meta(Self.patientKeyFingerprintKey, db) {
                guard stored == key.fingerprint else {
                    throw SonoDataError.keyMismatch(
                        manifest: path, keyPath: keyPath ?? "the given key",
                        expected: stored, found: key.fingerprint)
                }
            } else {
                try Self.setMeta(Self.patientKeyFingerprintKey, key.fingerprint, db)
            }
        }
    }

    // MARK: files

    public func fileCount(status: FileStatus? = nil) throws -> Int {
        try pool.read { db in
            if let status {
                return try FileRecord.filter(Column("status") == status.rawValue).fetchCount(db)
            }
            return try FileRecord.fetchCount(db)
        }
    }

    /// Every file row, ordered by id.
    public func files(status: FileStatus? = nil) throws -> [FileRecord] {
        try pool.read { db in
            var request = FileRecord.order(Column("id"))
            if let status { request = request.filter(Column("status") == status.rawValue) }
            return try request.fetchAll(db)
        }
    }

    /// `path → (size, mtime)` of what is already indexed, the resume check. An image indexed
    /// before image kinds existed reports size -1, so the crawl reads it again.
    func indexedStamps() throws -> [String: FileStamp] {
        try pool.read { db in
            var stamps: [String: FileStamp] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT path, CASE WHEN kind_reason IS ? THEN -1 ELSE size END, mtime_ns FROM files",
                arguments: [ManifestSchema.indexedBeforeKinds])
            while let row = try rows.next() {
                stamps[row[0]] = FileStamp(size: row[1], mtimeNs: row[2])
            }
            return stamps
        }
    }
}

/// Size and modification time: a file is re-read only when either changed.
struct FileStamp: Equatable, Sendable {
    var size: Int64
    var mtimeNs: Int64
}
