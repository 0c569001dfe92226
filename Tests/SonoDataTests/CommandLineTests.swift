import Foundation
import GRDB
import TestSupport
import XCTest

@testable import SonoData

/// Runs the built `sonotag` binary: a crawl killed with SIGKILL mid-way, and the PHI check over
/// every file the pipeline writes.
final class CommandLineTests: XCTestCase {
    /// `sonotag` next to the test bundle (built by `swift build --build-tests` / `make test`).
    private func sonotag() throws -> URL { try BuiltProducts.executable("sonotag") }

    /// Runs the binary to the end; `log` keeps what it printed (the PHI test searches it).
    @discardableResult
    private func run(_ binary: URL, _ arguments: [String], log: URL? = nil) throws -> Int32 {
        let result = try ProcessRunner.run(
            binary, arguments,
            environment: [
                "CI": "true", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
            ], replacingEnvironment: true)
        if let log { try Data(result.combined.utf8).write(to: log) }
        return result.status
    }

    /// `cache --help` speaks the common vocabulary: `--size HxW`, old spellings hidden.
    func testCacheHelpShowsSize() throws {
        let binary = try sonotag()
        let folder = try TemporaryFolder()
        let log = folder.url.appendingPathComponent("help.log")
        XCTAssertEqual(try run(binary, ["cache", "--help"], log: log), 0)
        let help = try String(contentsOf: log, encoding: .utf8)
        XCTAssertTrue(help.contains("--size <HxW>"), help)
        XCTAssertFalse(help.contains("--height"), help)
    }

    private func writeCohort(_ folder: TemporaryFolder, files: Int, patients: Int) throws -> [TestDICOMBuilder] {
        var written: [TestDICOMBuilder] = []
        for i in 0..<files {
            var builder = TestDICOMBuilder()
            let p = i % patients
            builder.patientID = "MRN-77A1-\(p)"
            builder.patientName = "ZEBRA^QUINCY\(p)"
            builder.sopUID = "1.2.826.0.1.3680043.99.\(i)"
            builder.studyUID = "1.2.826.0.1.3680043.98.\(p)"
            builder.transducer = ["SC6-1", "SL10-2", "C5-1", "X9"][i % 4]
            builder.studyDescription = ["US THYROID BIOPSY", "US DRAINAGE LIVER", "US KNEE"][i % 3]
            builder.frames = i % 7 == 0 ? 2 : 1
            builder.region = (x0: 2, y0: 1, x1: 45, y1: 30)
            let sub = folder.url.appendingPathComponent("batch\(i % 5)")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try builder.write(to: sub.appendingPathComponent("img\(i).dcm").path)
            written.append(builder)
        }
        return written
    }

    private func rowsForComparison(_ path: String) throws -> [String] {
        let manifest = try ManifestDatabase(path: path)
        return try manifest.files().map {
            [
                $0.path, "\($0.size)", "\($0.mtimeNs)", $0.status.rawValue, $0.reason ?? "", "\($0.rows ?? -1)", "\($0.frames ?? -1)",
                $0.transducerData ?? "", $0.studyDescription ?? "", $0.regions ?? "", $0.tags ?? "", "\($0.pixelDataOffset ?? -1)",
                $0.sopInstanceUid ?? ""
            ].joined(separator: "|")
        }.sorted()
    }

    private func patientPartition(_ path: String) throws -> Set<[String]> {
        let manifest = try ManifestDatabase(path: path)
        let groups = Dictionary(grouping: try manifest.files(), by: { $0.patientHash ?? "" })
        return Set(groups.values.map { $0.map(\.path).sorted() })
    }

    func testKilledCrawlResumesToTheUninterruptedResult() throws {
        let binary = try sonotag()
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        _ = try writeCohort(data, files: 400, patients: 20)
        let killedDB = out.file("killed.sqlite"), key = out.file("patient-id.key")

        // Started by hand rather than through ProcessRunner: it is killed while it runs.
        let process = Process()
        process.executableURL = binary
        process.arguments = ["index", data.path, "--db", killedDB, "--key", key, "--batch-size", "4", "--threads", "1", "--plain"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var committedBeforeKill = 0
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline {
            if FileManager.default.fileExists(atPath: killedDB), let count = try? Self.countRows(killedDB), count >= 40 {
                committedBeforeKill = count
                break
            }
            usleep(2_000)
        }
        let interrupted = process.isRunning
        if interrupted { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let afterKill = try Self.countRows(killedDB)
        XCTAssertGreaterThanOrEqual(afterKill, committedBeforeKill, "kill -9 lost committed rows")
        if interrupted { XCTAssertLessThan(afterKill, 400, "the crawl was killed before it finished") }

        XCTAssertEqual(try run(binary, ["index", data.path, "--db", killedDB, "--key", key, "--plain"]), 0)
        XCTAssertEqual(try run(binary, ["index", data.path, "--db", out.file("clean.sqlite"), "--key", key, "--plain"]), 0)
        let resumed = try rowsForComparison(killedDB), clean = try rowsForComparison(out.file("clean.sqlite"))
        XCTAssertEqual(resumed.count, clean.count)
        let differing = zip(resumed, clean).filter { $0 != $1 }
        XCTAssertTrue(differing.isEmpty, "\(differing.count) rows differ, first: \(differing.first.map { "\($0.0) vs \($0.1)" } ?? "")")
        XCTAssertEqual(try patientPartition(killedDB), try patientPartition(out.file("clean.sqlite")))
        XCTAssertEqual(try Self.countRows(killedDB), 400)
        if !interrupted { throw XCTSkip("the crawl finished before it could be killed; resume compared without an interruption") }
    }

    /// Item 4 (index part): Ctrl-C says the manifest is intact and how to continue, exits 130,
    /// and running the same command again completes the manifest.
    func testInterruptedCrawlSaysHowToContinue() throws {
        let binary = try sonotag()
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        _ = try writeCohort(data, files: 400, patients: 20)
        let db = out.file("m.sqlite"), key = out.file("patient-id.key")
        let arguments = ["index", data.path, "--db", db, "--key", key, "--batch-size", "4", "--threads", "1", "--plain"]
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ["CI": "true", "PATH": "/usr/bin:/bin"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline {
            if FileManager.default.fileExists(atPath: db), let count = try? Self.countRows(db), count >= 40 { break }
            usleep(2_000)
        }
        let interrupted = process.isRunning
        if interrupted { kill(process.processIdentifier, SIGINT) }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard interrupted else { throw XCTSkip("the crawl finished before it could be interrupted") }
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("interrupted; the manifest \(db) is intact"), stderr)
        XCTAssertTrue(stderr.contains("sonotag " + arguments.joined(separator: " ")), stderr)
        XCTAssertEqual(try run(binary, arguments), 0)
        XCTAssertEqual(try Self.countRows(db), 400)
    }

    static func countRows(_ path: String) throws -> Int {
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        return try queue.read { db in
            guard try db.tableExists("files") else { return 0 }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM files") ?? 0
        }
    }

    /// Every file the pipeline writes — manifest (with WAL), cache shards and indexes, command
    /// output — is searched for the input's patient ids and names: zero hits. The same search
    /// over the input finds them, so the search itself works.
    /// `tags --kinds`, `labels --suggest` and `labels --export` from the command line; a draft
    /// is never applied as it is, an existing file is never overwritten, a bad kind names the flag.
    func testKindsSuggestAndExportFromTheCommandLine() throws {
        let binary = try sonotag()
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        let written = try writeCohort(data, files: 6, patients: 2)
        let db = out.file("m.sqlite"), key = out.file("patient-id.key")
        XCTAssertEqual(try run(binary, ["index", data.path, "--db", db, "--key", key]), 0)
        let log = out.url.appendingPathComponent("kinds.log")
        XCTAssertEqual(try run(binary, ["tags", "--db", db, "--kinds"], log: log), 0)
        XCTAssertTrue(try String(contentsOf: log, encoding: .utf8).contains("bmode                   6 images"))

        let draft = out.file("draft.yaml"), csv = out.file("labels.csv")
        XCTAssertEqual(try run(binary, ["labels", "--db", db, "--suggest", draft, "--export", csv]), 0)
        let text = try String(contentsOfFile: draft, encoding: .utf8)
        XCTAssertTrue(text.contains("    # REVIEW 2 images; rules: musculoskeletal (KNEE)\n    \"US KNEE\": [\"musculoskeletal\"]\n"), text)
        XCTAssertNotEqual(try run(binary, ["labels", "--db", db, "--labels", draft], log: log), 0)
        XCTAssertTrue(try String(contentsOf: log, encoding: .utf8).contains("draft: true"))
        try "reviewed\n".write(toFile: draft, atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try run(binary, ["labels", "--db", db, "--suggest", draft]), 0)
        XCTAssertEqual(try String(contentsOfFile: draft, encoding: .utf8), "reviewed\n")

        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.first, "path,frame,kind,transducer,transducer_group,study_description,groups,split")
        XCTAssertEqual(rows.count - 1, written.map(\.frames).reduce(0, +))
        XCTAssertTrue(rows.contains { $0.hasSuffix(",0,bmode,SC6-1,curvilinear,US THYROID BIOPSY,thyroid;nodule,") }, "\(rows)")

        XCTAssertNotEqual(try run(binary, ["labels", "--db", db, "--kinds", "colour"], log: log), 0)
        XCTAssertTrue(try String(contentsOf: log, encoding: .utf8).contains("--kinds: unknown image kind 'colour'"))
    }

    func testNoPatientIdentifiersInAnyOutput() throws {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        let cohort = try writeCohort(data, files: 24, patients: 6)
        let needles = Set(cohort.flatMap { [$0.patientID, $0.patientName] + $0.patientName.split(separator: "^").map(String.init) })
        let db = out.file("cohort.sqlite")

        // In-process pipeline.
        let manifest = try ManifestDatabase(path: db, createIfMissing: true)
        try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 2)).run(root: data.path)
        try manifest.applyLabels(.paperDefault())
        try manifest.assignSplit(try SplitSettings(valShare: 0.34, seed: 1))
        let train = try CohortDataset(manifest: manifest, split: .train, settings: try PreprocessSettings(height: 32, width: 48))
        XCTAssertGreaterThan(train.count, 0)
        XCTAssertTrue(train.failedFiles.isEmpty, "\(train.failedFiles)")

        // The command line, logs kept.
        let binary = try sonotag()
        do {
            let db2 = out.file("cli.sqlite")
            XCTAssertEqual(
                try run(
                    binary, ["index", data.path, "--db", db2, "--key", out.file("patient-id.key"), "--plain"],
                    log: out.url.appendingPathComponent("index.log")), 0)
            XCTAssertEqual(try run(binary, ["labels", "--db", db2], log: out.url.appendingPathComponent("labels.log")), 0)
            XCTAssertEqual(try run(binary, ["split", "--db", db2], log: out.url.appendingPathComponent("split.log")), 0)
            for tag in ["StudyDescription", "TransducerData", "(0008,0070)"] {
                _ = try run(binary, ["tags", "--db", db2, tag], log: out.url.appendingPathComponent("tags-\(tag.count).log"))
            }
            XCTAssertEqual(
                try run(
                    binary, ["cache", "--db", db2, "--split", "all", "--size", "32x48"],
                    log: out.url.appendingPathComponent("cache.log")), 0)
            let cacheLog = try String(contentsOf: out.url.appendingPathComponent("cache.log"), encoding: .utf8)
            XCTAssertTrue(cacheLog.contains("of 32×48"), cacheLog)
            // The old spelling still works for one release, and says what replaces it.
            XCTAssertEqual(
                try run(
                    binary, ["cache", "--db", db2, "--split", "all", "--height", "32", "--width", "48"],
                    log: out.url.appendingPathComponent("cache-old.log")), 0)
            let oldLog = try String(contentsOf: out.url.appendingPathComponent("cache-old.log"), encoding: .utf8)
            XCTAssertTrue(oldLog.contains("--height/--width is deprecated") && oldLog.contains("--size HxW"), oldLog)
            XCTAssertNotEqual(
                try run(binary, ["cache", "--db", db2, "--size", "32by48"], log: out.url.appendingPathComponent("cache-bad.log")), 0)
            XCTAssertTrue(try String(contentsOf: out.url.appendingPathComponent("cache-bad.log"), encoding: .utf8).contains("--size"))
        }

        let outputs = try Self.allFiles(under: out.url)
        XCTAssertGreaterThan(outputs.count, 4)
        for file in outputs {
            let bytes = try Data(contentsOf: file)
            for needle in needles {
                XCTAssertNil(bytes.range(of: Data(needle.utf8)), "\(needle) found in \(file.lastPathComponent)")
                XCTAssertNil(bytes.range(of: Data(needle.lowercased().utf8)), "\(needle) found in \(file.lastPathComponent)")
            }
        }
        let inputs = try Self.allFiles(under: data.url)
        let found = try inputs.contains { try Data(contentsOf: $0).range(of: Data("ZEBRA^QUINCY0".utf8)) != nil }
        XCTAssertTrue(found, "the search must find the names in the input files")
    }

    static func allFiles(under folder: URL) throws -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        var result: [URL] = []
        for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            result.append(url)
        }
        return result
    }
}
