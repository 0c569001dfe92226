import Foundation
import XCTest
@testable import SonoData

/// A fresh temporary folder per test, removed at the end.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sonodata-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    var path: String { url.path }
    func file(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// The repository root, found from this source file (Tests/SonoDataTests/…).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
/// ../shared next to the repository.
let sharedFolder = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")

extension ManifestDatabase {
    /// Inserts a synthetic `ok` row (for split / label / tag tests that need no DICOM).
    @discardableResult
    func insertSynthetic(path: String, patientID: String?, study: String? = nil, transducer: String? = nil,
                         description: String? = nil, tags: [String: String] = [:]) throws -> Int64 {
        var record = FileRecord(path: path, size: 1, mtimeNs: 1, status: .ok)
        record.patientHash = patientID.flatMap { hashPatientID($0) }
        record.studyInstanceUid = study
        record.transducerData = transducer
        record.studyDescription = description
        if !tags.isEmpty {
            record.tags = String(decoding: try JSONEncoder().encode(tags), as: UTF8.self)
        }
        try pool.write { db in try record.insert(db) }
        return record.id ?? -1
    }
}
