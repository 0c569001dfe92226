import Foundation
import TestSupport
import XCTest

@testable import SonoPhantom

final class DeterminismTests: XCTestCase {
    func testSameSeedGivesIdenticalBytesWhateverTheThreadCount() throws {
        var options = PhantomFixtures.smallOptions()
        options.preview = true
        options.previewCount = 4
        let a = try temporaryFolder("det-a"), b = try temporaryFolder("det-b")
        options.threads = 1
        try PhantomGenerator.generate(options, into: a)
        options.threads = 3
        try PhantomGenerator.generate(options, into: b)

        let filesA = PhantomFixtures.files(under: a), filesB = PhantomFixtures.files(under: b)
        XCTAssertEqual(filesA, filesB)
        XCTAssertTrue(filesA.contains("phantom.json"))
        XCTAssertTrue(filesA.contains("preview.png"))
        XCTAssertTrue(filesA.contains { $0.hasSuffix(".dcm") })
        XCTAssertTrue(filesA.contains("downstream/thyroid/labels.csv"))
        for file in filesA {
            let da = try Data(contentsOf: a.appendingPathComponent(file)), db = try Data(contentsOf: b.appendingPathComponent(file))
            XCTAssertEqual(da, db, "\(file) differs between two runs with the same seed")
        }
    }

    func testDifferentSeedGivesDifferentImages() {
        let settings = AcquisitionSettings(transducer: .sc6_1, depthMM: 140)
        let a = ImageRenderer.render(ImageSpec(kind: .liver, settings: settings, rows: 64, columns: 96, seed: 1))
        let b = ImageRenderer.render(ImageSpec(kind: .liver, settings: settings, rows: 64, columns: 96, seed: 2))
        let again = ImageRenderer.render(ImageSpec(kind: .liver, settings: settings, rows: 64, columns: 96, seed: 1))
        XCTAssertNotEqual(a.frames[0].pixels, b.frames[0].pixels)
        XCTAssertEqual(a.frames[0].pixels, again.frames[0].pixels)
    }

    func testPatientsDependOnlyOnTheirOwnStream() {
        var small = PhantomFixtures.smallOptions(patients: 2)
        let first = CohortPlanner.plan(small)
        small.patients = 5
        let grown = CohortPlanner.plan(small)
        XCTAssertEqual(first.map(\.patientID), grown.prefix(2).map(\.patientID))
        XCTAssertEqual(first.flatMap { $0.studies.map(\.uid) }, grown.prefix(2).flatMap { $0.studies.map(\.uid) })
    }
}
