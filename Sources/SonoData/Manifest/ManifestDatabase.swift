import Crypto
import Foundation
import GRDB

/// The cohort manifest: a SQLite file in WAL mode, so the crawl can write while readers read,
/// and a `kill -9` loses only the uncommitted batch.
public final class ManifestDatabase: @unchecked Sendable {
    public let path: String
    public let pool: DatabasePool
    /// The key of the patient-id HMAC. Created once per manifest; never printed.
    let patientHasher: PatientHasher

    /// Opens (creating when missing) and migrates the manifest at `path`.
    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try ManifestSchema.migrator.migrate(pool)
            patientHasher = try pool.write { db in try PatientHasher.loadOrCreate(db) }
        } catch let error as DatabaseError {
            throw SonoDataError.cannotOpenDatabase(path: path, message: error.message ?? "\(error.resultCode)")
        }
    }

    // MARK: meta

    public func meta(_ key: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
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
            let rows = try Row.fetchCursor(db, sql: "SELECT path, CASE WHEN kind_reason IS ? THEN -1 ELSE size END, mtime_ns FROM files", arguments: [ManifestSchema.indexedBeforeKinds])
            while let row = try rows.next() {
                stamps[row[0]] = FileStamp(size: row[1], mtimeNs: row[2])
            }
            return stamps
        }
    }

    /// Hashes a patient id with this manifest's salt.
    public func hashPatientID(_ id: String) -> String? { patientHasher.hash(id) }
}

/// Size and modification time: a file is re-read only when either changed.
struct FileStamp: Equatable, Sendable {
    var size: Int64
    var mtimeNs: Int64
}

/// Keyed hashing of patient ids. The salt lives in the manifest's `meta` table so that hashes are
/// stable across resumed crawls but useless to anyone without the manifest.
struct PatientHasher: @unchecked Sendable {
    static let metaKey = "patient_id_salt"
    /// HMAC state with the key already absorbed: copying it per id skips re-deriving the key pads.
    private let keyed: HMAC<SHA256>

    init(salt: Data) { keyed = HMAC<SHA256>(key: SymmetricKey(data: salt)) }

    static func loadOrCreate(_ db: Database) throws -> PatientHasher {
        if let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [metaKey]),
           let salt = Data(base64Encoded: stored), salt.count >= 16 {
            return PatientHasher(salt: salt)
        }
        let salt = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                       arguments: [metaKey, salt.base64EncodedString()])
        return PatientHasher(salt: salt)
    }

    /// nil for an empty id (after trimming DICOM padding), so that "no id" never groups patients.
    func hash(_ patientID: String) -> String? {
        // DICOM pads with spaces (and some writers with NULs): strip them from both ends.
        var bytes = Array(patientID.utf8)
        while let last = bytes.last, last == 0x20 || last == 0 || last == 0x0A || last == 0x0D || last == 0x09 { bytes.removeLast() }
        let start = bytes.firstIndex { !($0 == 0x20 || $0 == 0 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) } ?? bytes.count
        guard start < bytes.count else { return nil }
        var hmac = keyed
        hmac.update(data: bytes[start...])
        let mac = hmac.finalize()
        return Self.hex(mac.prefix(16))
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
