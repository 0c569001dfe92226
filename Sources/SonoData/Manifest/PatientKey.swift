import Crypto
import Foundation

/// The secret that turns patient ids into the manifest's `patient_hash` values (HMAC-SHA256).
///
/// It lives in a key file the user keeps, never in the manifest: the manifest alone cannot be
/// checked against a list of ids, and indexing the same archive again with the same key gives the
/// same hashes, hence the same seeded split. The manifest records only the key's fingerprint, so
/// that mixing hashes of two keys in one manifest is refused.
public struct PatientKey: Sendable {
    /// HMAC state with the key already absorbed: copying it per id skips re-deriving the key pads.
    private let keyed: HMAC<SHA256>
    /// A one-way digest of the key, safe to store and print.
    public let fingerprint: String

    static let keyBytes = 32
    static let fileHeader = "# SonoTag patient-id key. Keep it private and keep it: the same key gives the same patient hashes.\n"

    public init(bytes: Data) throws {
        guard bytes.count >= 16 else {
            throw SonoDataError.invalidKeyFile(path: "(in memory)", message: "a key needs at least 16 bytes, got \(bytes.count)")
        }
        keyed = HMAC<SHA256>(key: SymmetricKey(data: bytes))
        var digest = SHA256()
        digest.update(data: Data("sonotag-patient-key-fingerprint".utf8))
        digest.update(data: bytes)
        fingerprint = Self.hex(digest.finalize().prefix(8))
    }

    /// A fresh random key (not saved).
    public static func random() -> PatientKey {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        // 32 random bytes always make a valid key.
        return try! PatientKey(bytes: bytes)
    }

    /// Reads the key file at `path`.
    public static func load(from path: String) throws -> PatientKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SonoDataError.invalidKeyFile(path: path, message: "cannot be read")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard lines.count == 1, let bytes = Data(base64Encoded: lines[0]) else {
            throw SonoDataError.invalidKeyFile(path: path, message: "expected one base64 line (as `sonotag index` writes it)")
        }
        do { return try PatientKey(bytes: bytes) } catch {
            throw SonoDataError.invalidKeyFile(path: path, message: "the key is shorter than 16 bytes")
        }
    }

    /// Loads the key at `path`, or creates it there (mode 0600, folders as needed) when no file
    /// exists. `created` says which happened.
    public static func loadOrCreate(at path: String) throws -> (key: PatientKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try load(from: path), false) }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw SonoDataError.invalidKeyFile(path: path, message: "cannot create its folder \(folder)")
            }
        }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let text = Self.fileHeader + bytes.base64EncodedString() + "\n"
        // O_EXCL: never overwrite a key another process created meanwhile; 0600 from the start,
        // so the secret is never readable by others, not even briefly.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return (try load(from: path), false) }
            throw SonoDataError.invalidKeyFile(path: path, message: "cannot be created: \(String(cString: strerror(errno)))")
        }
        let written = text.utf8CString.withUnsafeBufferPointer { buffer in write(fd, buffer.baseAddress, buffer.count - 1) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == text.utf8.count, synced else {
            unlink(path)
            throw SonoDataError.invalidKeyFile(path: path, message: "cannot be written")
        }
        return (try PatientKey(bytes: bytes), true)
    }

    /// Where `sonotag index` keeps the key when `--key` is not given:
    /// `$XDG_CONFIG_HOME/sonotag/patient-id.key`, else `~/.config/sonotag/patient-id.key`.
    /// nil when neither variable is set.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty { return config + "/sonotag/patient-id.key" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.config/sonotag/patient-id.key" }
        return nil
    }

    /// The hash of one patient id; nil for an empty id (after trimming DICOM padding), so that
    /// "no id" never groups patients.
    public func hash(_ patientID: String) -> String? {
        // DICOM pads with spaces (and some writers with NULs): strip them from both ends.
        var bytes = Array(patientID.utf8)
        while let last = bytes.last, Self.isPadding(last) { bytes.removeLast() }
        let start = bytes.firstIndex { !Self.isPadding($0) } ?? bytes.count
        guard start < bytes.count else { return nil }
        var hmac = keyed
        hmac.update(data: bytes[start...])
        return Self.hex(hmac.finalize().prefix(16))
    }

    private static func isPadding(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0 || byte == 0x0A || byte == 0x0D || byte == 0x09
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
