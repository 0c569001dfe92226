import Foundation
import TestSupport
import XCTest

@testable import SonoData

extension PatientKey {
    /// A fixed key, so that tests can compute the hashes they expect.
    static let test = try! PatientKey(bytes: Data(repeating: 0x5A, count: 32))
}

extension ManifestDatabase {
    /// Inserts a synthetic `ok` row (for split / label / tag tests that need no DICOM).
    @discardableResult
    func insertSynthetic(
        path: String, patientID: String?, study: String? = nil, transducer: String? = nil,
        description: String? = nil, tags: [String: String] = [:]
    ) throws -> Int64 {
        var record = FileRecord(path: path, size: 1, mtimeNs: 1, status: .ok)
        record.patientHash = patientID.flatMap { PatientKey.test.hash($0) }
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

/// The built `sonotag` next to the test bundle (built by `swift build --build-tests` / `make test`).
func builtSonotag() throws -> URL { try BuiltProducts.executable("sonotag") }

/// Runs `sonotag` with `arguments`; standard output and error are returned separately.
func runSonotag(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let result = try ProcessRunner.run(
        try builtSonotag(), arguments,
        environment: [
            "CI": "true", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        ].merging(environment) { $1 }, replacingEnvironment: true)
    return (result.status, result.standardOutput, result.standardError)
}
