import DICOM
import Foundation
import GRDB
import TestSupport
import XCTest

@testable import SonoData

/// Items 9 and 17 of "Nothing silently wrong": the patient-id key lives in a key file the user
/// keeps (never in the manifest), so the same archive and key give the same split; splits move
/// between manifests; file paths are stored relative to the archive root.
final class PatientKeyTests: XCTestCase {
    private func writeArchive(_ folder: TemporaryFolder, files: Int = 30, patients: Int = 12, studyDate: String? = nil) throws {
        for i in 0..<files {
            var builder = TestDICOMBuilder()
            builder.studyDate = studyDate
            builder.patientID = "MRN-\(i % patients)"
            builder.studyUID = "1.2.826.0.1.3680043.97.\(i % patients)"
            builder.sopUID = "1.2.826.0.1.3680043.96.\(i)"
            let sub = folder.url.appendingPathComponent("p\(i % patients)")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try builder.write(to: sub.appendingPathComponent("i\(i).dcm").path)
        }
    }

    private func indexed(_ archive: TemporaryFolder, into db: String, key: PatientKey) throws -> ManifestDatabase {
        let manifest = try ManifestDatabase(path: db, createIfMissing: true)
        try Crawler(manifest: manifest, key: key, options: CrawlOptions(threads: 2)).run(root: archive.path)
        return manifest
    }

    /// Files of each split by path (paths are relative, so comparable across manifests).
    private func splitByPath(_ manifest: ManifestDatabase) throws -> [SplitName: [String]] {
        var result: [SplitName: [String]] = [:]
        for name in SplitName.allCases { result[name] = try manifest.files(in: name).map(\.path).sorted() }
        return result
    }

    func testKeyFileIsCreatedPrivateAndReused() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("keys/patient-id.key")
        let (first, created) = try PatientKey.loadOrCreate(at: path)
        XCTAssertTrue(created)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
        XCTAssertEqual(mode & 0o777, 0o600)
        let (again, createdAgain) = try PatientKey.loadOrCreate(at: path)
        XCTAssertFalse(createdAgain)
        XCTAssertEqual(again.fingerprint, first.fingerprint)
        XCTAssertEqual(again.hash("MRN-1"), first.hash("MRN-1"))
        try Data("# comment\nnot base64 !!\n".utf8).write(to: URL(fileURLWithPath: folder.file("bad.key")))
        XCTAssertThrowsError(try PatientKey.load(from: folder.file("bad.key"))) { error in
            XCTAssertTrue("\(error)".contains(folder.file("bad.key")), "\(error)")
        }
    }

    /// Re-indexing the same archive into a new manifest with the same key gives the same hashes
    /// and, with the same seed, the same split (on main each index drew a new salt).
    func testSameArchiveAndKeyGiveTheSameSplit() throws {
        let archive = try TemporaryFolder(), out = try TemporaryFolder()
        try writeArchive(archive)
        let key = try PatientKey.loadOrCreate(at: out.file("patient-id.key")).key
        let a = try indexed(archive, into: out.file("a.sqlite"), key: key)
        let b = try indexed(archive, into: out.file("b.sqlite"), key: try PatientKey.load(from: out.file("patient-id.key")))
        let other = try indexed(archive, into: out.file("c.sqlite"), key: .random())
        for manifest in [a, b, other] { try manifest.assignSplit(try SplitSettings(valShare: 0.3, seed: 7)) }
        XCTAssertEqual(Set(try a.files().compactMap(\.patientHash)), Set(try b.files().compactMap(\.patientHash)))
        XCTAssertEqual(try splitByPath(a), try splitByPath(b))
        XCTAssertEqual(try a.splitHash(), try b.splitHash())
        XCTAssertNotNil(try a.splitHash())
        XCTAssertNotEqual(try a.splitHash(), try other.splitHash(), "another key gives other hashes")
        XCTAssertTrue(Set(try a.files().compactMap(\.patientHash)).isDisjoint(with: Set(try other.files().compactMap(\.patientHash))))
        // A new seed changes the split and its hash.
        try b.assignSplit(try SplitSettings(valShare: 0.3, seed: 8))
        XCTAssertNotEqual(try a.splitHash(), try b.splitHash())
    }

    /// The key never reaches the manifest (nor its WAL), in any encoding; only its fingerprint.
    func testKeyIsNotStoredInTheManifest() throws {
        let archive = try TemporaryFolder(), out = try TemporaryFolder()
        try writeArchive(archive, files: 6, patients: 3)
        let keyPath = out.file("patient-id.key")
        let key = try PatientKey.loadOrCreate(at: keyPath).key
        let manifest = try indexed(archive, into: out.file("m.sqlite"), key: key)
        XCTAssertEqual(try manifest.meta("patient_key_fingerprint"), key.fingerprint)
        XCTAssertNil(try manifest.meta("patient_id_salt"))
        let keyText = try XCTUnwrap(
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: keyPath)), as: UTF8.self)
                .split(separator: "\n").last.map(String.init))
        let raw = try XCTUnwrap(Data(base64Encoded: keyText))
        for file in try CommandLineTests.allFiles(under: out.url) where file.lastPathComponent.hasPrefix("m.sqlite") {
            let bytes = try Data(contentsOf: file)
            XCTAssertNil(bytes.range(of: Data(keyText.utf8)), file.lastPathComponent)
            XCTAssertNil(bytes.range(of: raw), file.lastPathComponent)
        }
    }

    func testAnotherKeyIsRefusedOnTheSameManifest() throws {
        let archive = try TemporaryFolder(), out = try TemporaryFolder()
        try writeArchive(archive, files: 4, patients: 2)
        let manifest = try indexed(archive, into: out.file("m.sqlite"), key: .test)
        let before = try manifest.files().map(\.patientHash)
        XCTAssertThrowsError(try Crawler(manifest: manifest, key: .random(), options: CrawlOptions(threads: 1)).run(root: archive.path)) {
            error in
            XCTAssertTrue("\(error)".contains("indexed with another patient-id key"), "\(error)")
        }
        XCTAssertEqual(try manifest.files().map(\.patientHash), before)
    }

    func testSplitExportAndImportBetweenManifests() throws {
        let archive = try TemporaryFolder(), out = try TemporaryFolder()
        try writeArchive(archive)
        let a = try indexed(archive, into: out.file("a.sqlite"), key: .test)
        let b = try indexed(archive, into: out.file("b.sqlite"), key: .test)
        try a.assignSplit(try SplitSettings(valShare: 0.25, testShare: 0.25, seed: 3))
        try b.assignSplit(try SplitSettings(valShare: 0.5, seed: 99))
        XCTAssertNotEqual(try a.splitHash(), try b.splitHash())
        let exported = out.file("split.csv")
        XCTAssertEqual(try a.exportSplit(to: exported), 12)
        let text = try String(contentsOfFile: exported, encoding: .utf8)
        XCTAssertFalse(text.contains("MRN-"), "the export holds hashes, never ids")
        let imported = try b.importSplit(from: exported)
        XCTAssertEqual(imported.patientsMissingFromFile, 0)
        XCTAssertEqual(imported.patientsNotInManifest, 0)
        XCTAssertEqual(try b.splitHash(), try a.splitHash())
        XCTAssertEqual(try splitByPath(b), try splitByPath(a))

        // A manifest indexed with another key cannot use the file: its hashes would match nothing.
        let c = try indexed(archive, into: out.file("c.sqlite"), key: .random())
        XCTAssertThrowsError(try c.importSplit(from: exported)) { error in
            XCTAssertTrue("\(error)".contains("another patient-id key"), "\(error)")
        }
        // A malformed line is named.
        try Data((text + "abc,holdout\n").utf8).write(to: URL(fileURLWithPath: out.file("bad.csv")))
        XCTAssertThrowsError(try b.importSplit(from: out.file("bad.csv"))) { error in
            XCTAssertTrue("\(error)".contains("line 15: split 'holdout'"), "\(error)")
        }
        XCTAssertEqual(try b.splitHash(), try a.splitHash(), "a failed import keeps the split")
    }

    /// Paths are stored relative to the archive root, which is recorded once; a folder outside
    /// the root is refused; decoding resolves the paths.
    func testPathsAreRelativeToTheArchiveRoot() throws {
        let archive = try TemporaryFolder(), out = try TemporaryFolder(), elsewhere = try TemporaryFolder()
        try writeArchive(archive, files: 8, patients: 4)
        try writeArchive(elsewhere, files: 2, patients: 1)
        let manifest = try indexed(archive, into: out.file("m.sqlite"), key: .test)
        let root = URL(fileURLWithPath: archive.path).standardizedFileURL.path
        XCTAssertEqual(try manifest.archiveRoot(), root)
        let paths = try manifest.files().map(\.path)
        XCTAssertEqual(paths.count, 8)
        for path in paths {
            XCTAssertFalse(path.hasPrefix("/"), path)
            XCTAssertFalse(path.contains(archive.url.lastPathComponent), path)
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/" + path), path)
        }
        let rootMentions = try manifest.pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM files WHERE path LIKE ? OR detail LIKE ? OR warnings LIKE ?",
                arguments: ["%\(root)%", "%\(root)%", "%\(root)%"]) ?? -1
        }
        XCTAssertEqual(rootMentions, 0)
        // A sub-folder is crawled under the same root: only its rows are revisited.
        let counts = try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 1)).run(root: archive.file("p1"))
        XCTAssertEqual(counts.found, 2)
        XCTAssertEqual(counts.unchanged, 2)
        XCTAssertEqual(try manifest.fileCount(), 8)
        XCTAssertThrowsError(try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 1)).run(root: elsewhere.path)) {
            error in
            XCTAssertTrue("\(error)".contains("is outside it"), "\(error)")
        }
        // The cache decodes through the root.
        try manifest.assignSplit(try SplitSettings(valShare: 0.25, seed: 1))
        let dataset = try CohortDataset(manifest: manifest, split: .train, settings: try PreprocessSettings(height: 16, width: 24))
        XCTAssertTrue(dataset.failedFiles.isEmpty, "\(dataset.failedFiles)")
        XCTAssertGreaterThan(dataset.count, 0)
    }

    /// No date or time is captured by default; one is when asked for by name.
    func testDatesAreCapturedOnlyWhenAsked() throws {
        for raw in TagSelection.default.tags {
            let vr = DataDictionary.entry(for: Tag(rawValue: raw))?.vr
            XCTAssertFalse(vr == .DA || vr == .DT || vr == .TM, TagSelection.displayName(raw))
        }
        let asked = try TagSelection.default.adding(specs: ["StudyDate"])
        XCTAssertTrue(asked.keys.contains("00080020"))
    }

    /// `sonotag index` makes the key file (0600) where --key says, says so, and reuses it.
    func testIndexCommandCreatesAndReusesTheKeyFile() throws {
        _ = try builtSonotag()
        let archive = try TemporaryFolder(), out = try TemporaryFolder()
        try writeArchive(archive, files: 6, patients: 3)
        let key = out.file("private/patient-id.key")
        let first = try runSonotag(["index", archive.path, "--db", out.file("a.sqlite"), "--key", key, "--plain"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("patient-id key: created \(key)"), first.stdout)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? NSNumber).intValue
        XCTAssertEqual(mode & 0o777, 0o600)
        let second = try runSonotag(["index", archive.path, "--db", out.file("b.sqlite"), "--key", key, "--plain"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(second.stdout.contains("created"), second.stdout)
        for db in ["a.sqlite", "b.sqlite"] {
            XCTAssertEqual(try runSonotag(["split", "--db", out.file(db), "--seed", "7", "--val", "0.34"]).status, 0)
        }
        let a = try ManifestDatabase(path: out.file("a.sqlite")), b = try ManifestDatabase(path: out.file("b.sqlite"))
        XCTAssertEqual(try a.splitHash(), try b.splitHash())
        // Without HOME and without --key there is nowhere to keep a key: a usage error.
        let nowhere = try runSonotag(["index", archive.path, "--db", out.file("c.sqlite"), "--plain"])
        XCTAssertEqual(nowhere.status, 64, nowhere.stderr)
        XCTAssertTrue(nowhere.stderr.contains("--key"), nowhere.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("c.sqlite")))
    }

    /// `split --export` from one manifest and `split --import` into another, split otherwise
    /// before, give the same split (equal split hashes), from the command line.
    func testSplitCommandCarriesASplitToAnotherManifest() throws {
        _ = try builtSonotag()
        let archive = try TemporaryFolder(), out = try TemporaryFolder()
        try writeArchive(archive, files: 12, patients: 6)
        let key = out.file("patient-id.key")
        let (a, b) = (out.file("a.sqlite"), out.file("b.sqlite"))
        for db in [a, b] {
            let indexed = try runSonotag(["index", archive.path, "--db", db, "--key", key, "--plain"])
            XCTAssertEqual(indexed.status, 0, indexed.stderr)
        }
        XCTAssertEqual(try runSonotag(["split", "--db", a, "--seed", "7", "--val", "0.34"]).status, 0)
        XCTAssertEqual(try runSonotag(["split", "--db", b, "--seed", "3", "--val", "0.67"]).status, 0)
        XCTAssertNotEqual(try ManifestDatabase(path: a).splitHash(), try ManifestDatabase(path: b).splitHash())
        let file = out.file("s.csv")
        let exported = try runSonotag(["split", "--db", a, "--export", file])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let imported = try runSonotag(["split", "--db", b, "--import", file])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let hash = try XCTUnwrap(try ManifestDatabase(path: a).splitHash())
        XCTAssertEqual(try ManifestDatabase(path: b).splitHash(), hash)
        XCTAssertTrue(imported.stdout.contains("split hash \(hash)"), imported.stdout)
    }

    /// `index --capture-extra StudyDate` stores the date (00080020), which the default set leaves
    /// out; a `--capture` list without the label tags says which it leaves out.
    func testIndexCapturesADateWhenAskedAndWarnsWhenLabelTagsAreLeftOut() throws {
        _ = try builtSonotag()
        let archive = try TemporaryFolder(), out = try TemporaryFolder()
        try writeArchive(archive, files: 2, patients: 1, studyDate: "20240131")
        let key = out.file("patient-id.key")
        func tags(_ db: String) throws -> [String] { try ManifestDatabase(path: db).files().compactMap(\.tags) }

        let plain = try runSonotag(["index", archive.path, "--db", out.file("plain.sqlite"), "--key", key, "--plain"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(try tags(out.file("plain.sqlite")).contains { $0.contains("00080020") || $0.contains("20240131") })
        XCTAssertFalse(plain.stderr.contains("warning"), plain.stderr)

        let dated = try runSonotag(["index", archive.path, "--db", out.file("dated.sqlite"), "--key", key, "--capture-extra", "StudyDate"])
        XCTAssertEqual(dated.status, 0, dated.stderr)
        let stored = try tags(out.file("dated.sqlite"))
        XCTAssertEqual(stored.count, 2)
        XCTAssertTrue(stored.allSatisfy { $0.contains("\"00080020\"") && $0.contains("20240131") }, "\(stored)")

        let narrow = try runSonotag([
            "index", archive.path, "--db", out.file("narrow.sqlite"), "--key", key, "--capture", "Modality", "StudyDescription"
        ])
        XCTAssertEqual(narrow.status, 0, narrow.stderr)
        XCTAssertTrue(narrow.stderr.contains("warning: --capture leaves out TransducerData (0018,5010),"), narrow.stderr)
        XCTAssertFalse(narrow.stderr.contains("StudyDescription (0008,1030)"), narrow.stderr)
    }
}
