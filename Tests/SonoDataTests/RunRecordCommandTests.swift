import Foundation
import TestSupport
import XCTest

@testable import SonoData

/// Items 9 and 14 through the built executables: every pretraining run folder gets a `run.json`
/// (command line, build, libtorch, device, threads, data identity, times), and resuming on a
/// manifest whose patient split changed is refused before any training.
final class RunRecordCommandTests: XCTestCase {
    func testRunJSONRecordsTheRunAndAChangedSplitStopsTheResume() throws {
        _ = try builtSonotag()
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        for i in 0..<16 {
            var builder = TestDICOMBuilder()
            builder.patientID = "RUN-\(i % 8)"
            builder.sopUID = "1.2.826.0.1.3680043.95.\(i)"
            builder.studyUID = "1.2.826.0.1.3680043.94.\(i % 8)"
            builder.rows = 64
            builder.columns = 96
            try builder.write(to: data.file("f\(i).dcm"))
        }
        let db = out.file("m.sqlite")
        XCTAssertEqual(try runSonotag(["index", data.path, "--db", db, "--key", out.file("k.key"), "--plain"]).status, 0)
        XCTAssertEqual(try runSonotag(["split", "--db", db, "--val", "0.25", "--seed", "1"]).status, 0)
        XCTAssertEqual(try runSonotag(["labels", "--db", db]).status, 0)
        let runFolder = out.file("run")
        let pretrain = [
            "pretrain", "--db", db, "--out", runFolder, "--backbone", "resnet18", "--epochs", "1",
            "--batch-size", "4", "--size", "64x96", "--max-images", "8", "--threads", "1"
        ]
        let first = try runSonotag(pretrain)
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)

        let json = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: runFolder + "/run.json"))) as? [String: Any])
        let sessions = try XCTUnwrap(json["sessions"] as? [[String: Any]])
        XCTAssertEqual(sessions.count, 1)
        let session = sessions[0]
        XCTAssertEqual(session["status"] as? String, "finished")
        XCTAssertEqual((session["commandLine"] as? [String])?.contains("--max-images"), true)
        for key in ["version", "commit", "libtorch", "device", "started", "finished"] {
            XCTAssertFalse((session[key] as? String ?? "").isEmpty, key)
        }
        XCTAssertEqual(session["threads"] as? Int, 1)
        let identity = try XCTUnwrap(session["data"] as? [String: Any])
        let manifest = try ManifestDatabase(path: db)
        XCTAssertEqual(identity["splitHash"] as? String, try manifest.splitHash())
        let mapping = try XCTUnwrap(try manifest.meta("label_mapping_hash"), "`labels` stores the mapping's hash")
        XCTAssertEqual(identity["mappingHash"] as? String, mapping)
        XCTAssertEqual(identity["manifest"] as? String, URL(fileURLWithPath: db).standardizedFileURL.path)

        // Another split, then --resume: refused, naming the manifest and both hashes.
        XCTAssertEqual(try runSonotag(["split", "--db", db, "--val", "0.25", "--seed", "2"]).status, 0)
        let resumed = try runSonotag(pretrain.map { $0 == "1" ? "2" : $0 } + ["--resume"])
        XCTAssertEqual(resumed.status, 65, resumed.stdout + resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("the patient split of \(db) changed"), resumed.stderr)
    }
}
