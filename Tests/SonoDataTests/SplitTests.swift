import TestSupport
import XCTest

@testable import SonoData

final class SplitTests: XCTestCase {
    private func cohort(patients: Int, imagesEach: Int) throws -> (TemporaryFolder, ManifestDatabase) {
        let folder = try TemporaryFolder()
        let manifest = try ManifestDatabase(path: folder.file("m.sqlite"), createIfMissing: true)
        for p in 0..<patients {
            for i in 0..<(1 + (p % imagesEach)) {
                try manifest.insertSynthetic(path: "/p\(p)/i\(i)", patientID: "PID\(p)", study: "1.2.\(p)")
            }
        }
        // Files without a patient id: grouped by study.
        try manifest.insertSynthetic(path: "/anon/1", patientID: nil, study: "9.9")
        try manifest.insertSynthetic(path: "/anon/2", patientID: nil, study: "9.9")
        return (folder, manifest)
    }

    func testNoPatientInTwoSplits() throws {
        let (folder, manifest) = try cohort(patients: 50, imagesEach: 4)
        defer { withExtendedLifetime(folder) {} }
        let summary = try manifest.assignSplit(try SplitSettings(valShare: 0.2, testShare: 0.1, seed: 3))
        XCTAssertEqual(summary.patients[.val], 10)  // round(51 × 0.2)
        XCTAssertEqual(summary.patients[.test], 5)  // round(51 × 0.1)
        XCTAssertEqual(summary.patients[.train], 36)
        let byFile = try manifest.files(in: .train).count + manifest.files(in: .val).count + manifest.files(in: .test).count
        XCTAssertEqual(byFile, try manifest.fileCount(status: .ok))
        // Independently of the SQL key: group file paths by their /pN folder.
        var splitOfPatient: [String: SplitName] = [:]
        for name in SplitName.allCases {
            for file in try manifest.files(in: name) {
                let patient = String(file.path.split(separator: "/")[0])
                if let previous = splitOfPatient[patient] { XCTAssertEqual(previous, name, patient) }
                splitOfPatient[patient] = name
            }
        }
        XCTAssertEqual(splitOfPatient.count, 51)
    }

    func testSplitIsSeeded() throws {
        let (folder, manifest) = try cohort(patients: 40, imagesEach: 2)
        defer { withExtendedLifetime(folder) {} }
        try manifest.assignSplit(try SplitSettings(seed: 1))
        let first = try manifest.files(in: .val).map(\.path)
        try manifest.assignSplit(try SplitSettings(seed: 2))
        let other = try manifest.files(in: .val).map(\.path)
        try manifest.assignSplit(try SplitSettings(seed: 1))
        XCTAssertEqual(try manifest.files(in: .val).map(\.path), first)
        XCTAssertNotEqual(other, first)
    }

    func testInvalidShares() {
        XCTAssertThrowsError(try SplitSettings(valShare: 0.6, testShare: 0.4))
        XCTAssertThrowsError(try SplitSettings(valShare: -0.1))
    }

    func testPatientHashIsKeyed() throws {
        let a = PatientKey.random(), b = PatientKey.random()
        let h = try XCTUnwrap(a.hash("12345"))
        XCTAssertEqual(h.count, 32)
        XCTAssertEqual(a.hash("12345 "), h)
        XCTAssertNotEqual(b.hash("12345"), h)
        XCTAssertNil(a.hash("  "))
        XCTAssertNotEqual(a.fingerprint, b.fingerprint)
    }

    func testSeededGeneratorIsStable() {
        // SplitMix64 reference values for seed 0 (Vigna's splitmix64.c).
        var generator = SeededGenerator(seed: 0)
        XCTAssertEqual(generator.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(generator.next(), 0x6E78_9E6A_A1B9_65F4)
    }
}
