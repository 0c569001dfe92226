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
        // A missing folder is named, not a raw system error.
        let missing = try runSonotag(["index", data.file("nowhere"), "--db", out.file("n.sqlite"), "--key", out.file("k.key")])
        XCTAssertEqual(missing.status, 64, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("\(data.file("nowhere")) does not exist"), missing.stderr)
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
}
