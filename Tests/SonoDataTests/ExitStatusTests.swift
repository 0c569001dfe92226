import Foundation
import TestSupport
import XCTest

@testable import SonoData

/// Item 12 of "Nothing silently wrong": one exit status per kind of failure (README, "Exit
/// codes"), messages in words naming the flag or file, negative numbers read as values, and a
/// command with nothing to work on fails.
final class ExitStatusTests: XCTestCase {
    func testNegativeValueIsReadAsAValueAndJudgedByTheCommand() throws {
        let folder = try TemporaryFolder()
        // On main: "Missing value for '--val <val>'", as if nothing had been typed.
        let result = try runSonotag(["split", "--db", folder.file("m.sqlite"), "--val", "-0.5"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertFalse(result.stderr.contains("Missing value"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--val must be in [0, 1)"), result.stderr)
        let top = try runSonotag(["tags", "--db", folder.file("m.sqlite"), "--top", "-3", "Modality"])
        XCTAssertEqual(top.status, 64, top.stderr)
        XCTAssertTrue(top.stderr.contains("--top must be ≥ 0"), top.stderr)
    }

    func testIndexOfAFolderWithoutDICOMFailsWithAWarning() throws {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        try Data("just notes\n".utf8).write(to: data.url.appendingPathComponent("notes.txt"))
        let result = try runSonotag(["index", data.path, "--db", out.file("m.sqlite"), "--key", out.file("k.key"), "--plain"])
        XCTAssertEqual(result.status, 65, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("warning: no DICOM file found under \(data.path)"), result.stderr)
        // A missing folder is named, not a raw system error, and is a data error as a missing --data is.
        let missing = try runSonotag(["index", data.file("nowhere"), "--db", out.file("n.sqlite"), "--key", out.file("k.key")])
        XCTAssertEqual(missing.status, 65, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("\(data.file("nowhere")): no such file or folder"), missing.stderr)
        XCTAssertFalse(missing.stderr.contains("NSCocoaErrorDomain"), missing.stderr)
    }

    func testDataErrorsUseTheDataStatusAndNameTheFile() throws {
        let folder = try TemporaryFolder()
        let notDICOM = folder.file("x.dcm")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: notDICOM))
        let dump = try runSonotag(["dicom", "dump", notDICOM])
        XCTAssertEqual(dump.status, 65, dump.stderr)
        XCTAssertTrue(dump.stderr.contains(notDICOM), dump.stderr)
        let labels = try runSonotag(["labels", "--db", folder.file("absent.sqlite")])
        XCTAssertEqual(labels.status, 65, labels.stderr)
        XCTAssertTrue(labels.stderr.contains("\(folder.file("absent.sqlite")) is not a SonoTag manifest: no such file"), labels.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.file("absent.sqlite")))
    }

    /// `cache` of a split with no image has nothing to work on: a data error naming the split
    /// and the manifest (before, it printed "0 samples" and exited 0).
    func testCacheOfAnEmptySplitFails() throws {
        let data = try TemporaryFolder(), folder = try TemporaryFolder()
        let empty = folder.file("empty.sqlite")
        _ = try ManifestDatabase(path: empty, createIfMissing: true)
        for i in 0..<2 {
            var builder = TestDICOMBuilder()
            builder.patientID = "EMPTY-\(i)"
            builder.sopUID = "1.2.826.0.1.3680043.93.\(i)"
            try builder.write(to: data.file("f\(i).dcm"))
        }
        let db = folder.file("m.sqlite")
        XCTAssertEqual(try runSonotag(["index", data.path, "--db", db, "--key", folder.file("k.key"), "--plain"]).status, 0)
        XCTAssertEqual(try runSonotag(["split", "--db", db, "--val", "0.5"]).status, 0)
        // No test share was asked for, so the test split holds no image; an empty manifest has none at all.
        for (manifest, split) in [(db, "test"), (empty, "all")] {
            let result = try runSonotag(["cache", "--db", manifest, "--split", split, "--size", "32x48"])
            XCTAssertEqual(result.status, 65, result.stdout + result.stderr)
            XCTAssertTrue(result.stderr.contains("--split \(split): 0 samples in \(manifest)"), result.stderr)
        }
    }
}
