import Foundation
import GRDB
import TestSupport
import XCTest

@testable import SonoData

/// Item 10 of "Nothing silently wrong": every command checks that a database is a SonoTag
/// manifest of a supported schema and refuses any other file, naming it, without touching it.
final class ManifestIdentityTests: XCTestCase {
    /// An SQLite file of somebody else's (rollback journal, one table).
    private func foreignDatabase(_ folder: TemporaryFolder) throws -> String {
        let path = folder.file("other.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE patients(name TEXT)")
            try db.execute(sql: "INSERT INTO patients VALUES ('someone')")
        }
        return path
    }

    private func tables(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
    }

    func testForeignSQLiteFileIsRefusedAndLeftAlone() throws {
        let folder = try TemporaryFolder()
        let path = try foreignDatabase(folder)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        for create in [false, true] {
            XCTAssertThrowsError(try ManifestDatabase(path: path, createIfMissing: create)) { error in
                guard case .notAManifest(let named, let reason)? = error as? SonoDataError else { return XCTFail("\(error)") }
                XCTAssertEqual(named, path)
                XCTAssertTrue(reason.contains("without SonoTag's tables"), reason)
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try tables(path), ["patients"])
    }

    func testTextFileOlderSchemaAndNewerSchemaAreRefused() throws {
        let folder = try TemporaryFolder()
        let text = folder.file("notes.sqlite")
        try Data("not a database at all, just some notes\n".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try ManifestDatabase(path: text)) { error in
            XCTAssertTrue("\(error)".contains("\(text) is not a SonoTag manifest: not an SQLite database"), "\(error)")
        }
        // Schema 1 (SonoTag before the key file): meta and files tables, no format mark.
        let old = folder.file("old.sqlite")
        try DatabaseQueue(path: old).write { db in
            try db.execute(sql: "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            try db.execute(sql: "CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT)")
            try db.execute(sql: "INSERT INTO meta VALUES ('patient_id_salt', 'c2FsdHNhbHRzYWx0c2FsdA==')")
        }
        XCTAssertThrowsError(try ManifestDatabase(path: old)) { error in
            XCTAssertTrue("\(error)".contains("manifest schema 1, this SonoTag reads schema 2"), "\(error)")
        }
        // A manifest from a newer SonoTag.
        let newer = folder.file("newer.sqlite")
        _ = try ManifestDatabase(path: newer, createIfMissing: true)
        try DatabaseQueue(path: newer).write { db in try db.execute(sql: "UPDATE meta SET value = '99' WHERE key = 'schema_version'") }
        XCTAssertThrowsError(try ManifestDatabase(path: newer)) { error in
            XCTAssertTrue("\(error)".contains("manifest schema 99"), "\(error)")
        }
    }

    func testMissingManifestIsCreatedOnlyWhenAsked() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("new.sqlite")
        XCTAssertThrowsError(try ManifestDatabase(path: path)) { error in
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "a failed open must not create the file")
        let created = try ManifestDatabase(path: path, createIfMissing: true)
        XCTAssertEqual(try created.meta("format"), "sonotag-manifest")
        XCTAssertEqual(try created.meta("schema_version"), "2")
        XCTAssertNoThrow(try ManifestDatabase(path: path))
    }

    /// The commands themselves: `labels`, `split`, `tags` and `cache` on a foreign SQLite file exit
    /// with the data-error status, name the file, and add nothing to it.
    func testCommandsRefuseAForeignDatabase() throws {
        _ = try builtSonotag()
        let folder = try TemporaryFolder()
        let path = try foreignDatabase(folder)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        for arguments in [
            ["labels", "--db", path], ["split", "--db", path], ["split", "--db", path, "--export", folder.file("s.csv")],
            ["tags", "--db", path, "Modality"], ["cache", "--db", path, "--split", "all"],
            ["index", folder.path, "--db", path, "--key", folder.file("k.key")]
        ] {
            let result = try runSonotag(arguments)
            XCTAssertEqual(result.status, 65, "\(arguments): \(result.stdout) \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("\(path) is not a SonoTag manifest"), "\(arguments): \(result.stderr)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try tables(path), ["patients"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.file("s.csv")))
    }
}
