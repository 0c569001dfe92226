import Foundation
import XCTest
@testable import SonoData

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
