import Foundation
import SeededRandom
import TestSupport
import XCTest

@testable import SonoPhantom

final class CatalogTests: XCTestCase {
    /// The embedded Table A1 equals the paper's table (Tests/Fixtures/paper).
    func testEmbeddedTableMatchesPaperCSV() throws {
        let text = try String(contentsOf: TestData.committed("paper/table_a1_study_descriptions.csv"), encoding: .utf8)
        let rows = text.split(whereSeparator: \.isNewline).dropFirst().map { line -> (String, Set<String>) in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (fields[0], Set(fields[1].split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }))
        }
        XCTAssertEqual(rows.count, 44)
        XCTAssertEqual(StudyCatalog.tableA1.count, rows.count)
        for (entry, row) in zip(StudyCatalog.tableA1, rows) {
            XCTAssertEqual(entry.description, row.0)
            XCTAssertEqual(Set(entry.groups.map(\.name)), row.1, entry.description)
        }
    }

    func testMultiHotFollowsGroupOrder() throws {
        let entry = try XCTUnwrap(StudyCatalog.tableA1.first { $0.description == "US THYROID BIOPSY" })
        XCTAssertEqual(entry.multiHot, [0, 0, 1, 0, 0, 0, 1, 0])
        XCTAssertEqual(
            ExamGroup.allCases.map(\.name), ["liver", "kidney", "thyroid", "abdomen", "chest", "soft tissue", "nodule", "drainage"])
    }

    func testProbeChoiceFollowsTheExam() throws {
        var rng = SplitMix64(seed: 3)
        let thyroid = try XCTUnwrap(StudyCatalog.tableA1.first { $0.description == "US THYROID BIOPSY" })
        let liver = try XCTUnwrap(StudyCatalog.tableA1.first { $0.description == "US BIOPSY LIVER NONFOCAL" })
        let linearThyroid = (0..<400).filter { _ in ExamProtocol.transducer(for: thyroid, rng: &rng).geometry == .linear }.count
        let convexLiver = (0..<400).filter { _ in ExamProtocol.transducer(for: liver, rng: &rng).geometry == .curvilinear }.count
        XCTAssertGreaterThan(linearThyroid, 360)
        XCTAssertGreaterThan(convexLiver, 320)
    }

    func testTagNoiseRateFollowsOptions() {
        var options = PhantomOptions()
        options.patients = 400
        options.studyDescriptionNoise = 0.2
        options.transducerNoise = 0
        let studies = CohortPlanner.plan(options).flatMap(\.studies)
        let noisy = studies.filter { $0.writtenDescription != $0.truth.description }.count
        XCTAssertEqual(Double(noisy) / Double(studies.count), 0.2, accuracy: 0.04)
        XCTAssertTrue(studies.flatMap(\.series).allSatisfy { $0.writtenTransducer == $0.transducer.rawValue })
    }

    func testUIDsAreValidAndUnique() {
        XCTAssertEqual(UIDGenerator.decimal(high: 1, low: 0), "18446744073709551616")
        XCTAssertEqual(UIDGenerator.decimal(high: 0, low: 1_000_000_000), "1000000000")
        XCTAssertEqual(UIDGenerator.decimal(high: .max, low: .max), "340282366920938463463374607431768211455")
        var rng = SplitMix64(seed: 1)
        let uids = (0..<1000).map { _ in UIDGenerator.uid(&rng) }
        XCTAssertEqual(Set(uids).count, uids.count)
        for uid in uids {
            XCTAssertTrue(uid.hasPrefix("2.25."))
            XCTAssertLessThanOrEqual(uid.count, 64)
            XCTAssertTrue(uid.allSatisfy { $0.isNumber || $0 == "." })
            XCTAssertFalse(uid.dropFirst(5).hasPrefix("0"))
        }
    }

    func testMD5KnownAnswers() {
        XCTAssertEqual(MD5.hex(Array("abc".utf8)), "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(MD5.hex([]), "d41d8cd98f00b204e9800998ecf8427e")
    }

    func testDatesRoundTrip() {
        let d = SimpleDate(year: 2020, month: 2, day: 28)
        XCTAssertEqual(d.adding(days: 1).dicom, "20200229")
        XCTAssertEqual(d.adding(days: 2).dicom, "20200301")
        XCTAssertEqual(SimpleDate(year: 2019, month: 12, day: 31).adding(days: 1).dicom, "20200101")
        XCTAssertEqual(SimpleDate(ordinal: d.ordinal), d)
    }

    func testInvalidOptionsNameTheOption() {
        var options = PhantomOptions()
        options.patients = 0
        XCTAssertThrowsError(try options.validate()) { XCTAssertTrue("\($0)".contains("patients")) }
        options = PhantomOptions()
        options.transducerNoise = 1.5
        XCTAssertThrowsError(try options.validate()) { XCTAssertTrue("\($0)".contains("transducerNoise")) }
        options = PhantomOptions()
        options.rows = 8
        XCTAssertThrowsError(try options.validate()) { XCTAssertTrue("\($0)".contains("size")) }
    }
}
