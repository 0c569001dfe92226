import Foundation
import XCTest
@testable import SonoData

extension PatientKey {
    /// A fixed key, so that tests can compute the hashes they expect.
    static let test = try! PatientKey(bytes: Data(repeating: 0x5A, count: 32))
}

extension ManifestDatabase {
    /// Inserts a synthetic `ok` row (for split / label / tag tests that need no DICOM).
    @discardableResult
    func insertSynthetic(path: String, patientID: String?, study: String? = nil, transducer: String? = nil,
                         description: String? = nil, tags: [String: String] = [:]) throws -> Int64 {
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
func builtSonotag() throws -> URL {
    var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = folder.appendingPathComponent("sonotag")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        folder = folder.deletingLastPathComponent()
    }
    throw XCTSkip("sonotag binary not built next to the tests")
}

/// Runs `sonotag` with `arguments`; standard output and error are returned separately.
func runSonotag(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = try builtSonotag()
    process.arguments = arguments
    process.environment = ["CI": "true", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"].merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes while the process runs so that neither can fill up and block it.
    var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}
