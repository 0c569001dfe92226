import TestSupport
import XCTest

@testable import SonoData

/// Resumability of the crawl machinery itself, with an inspector that needs no DICOM: the row
/// content is derived from the file's bytes, so an interrupted-then-resumed crawl must end with
/// exactly the rows of an uninterrupted one.
final class CrawlResumeTests: XCTestCase {
    struct ByteInspector: FileInspecting {
        func inspect(path: String, stamp: FileStamp) -> InspectedFile {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            var record = FileRecord(path: path, size: stamp.size, mtimeNs: stamp.mtimeNs, status: text.hasPrefix("ok") ? .ok : .corrupt)
            record.studyDescription = text
            record.reason = text.hasPrefix("ok") ? nil : "bad"
            return InspectedFile(record: record, frames: [(Int64(text.count), nil)])
        }
    }

    /// Records how many files are being read at once.
    final class ConcurrencyProbe: FileInspecting, @unchecked Sendable {
        private let lock = NSLock()
        private var current = 0
        private(set) var peak = 0

        func inspect(path: String, stamp: FileStamp) -> InspectedFile {
            lock.lock(); current += 1; peak = max(peak, current); lock.unlock()
            usleep(3_000)  // long enough for other readers to overlap, if there are any
            lock.lock(); current -= 1; lock.unlock()
            return ByteInspector().inspect(path: path, stamp: stamp)
        }
    }

    /// `--threads` bounds the readers: one means one file at a time; more overlap.
    func testThreadsBoundTheReadersInFlight() throws {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        try makeTree(data, files: 24)
        for threads in [1, 3] {
            let probe = ConcurrencyProbe()
            let manifest = try ManifestDatabase(path: out.file("t\(threads).sqlite"), createIfMissing: true)
            let counts = try Crawler(
                manifest: manifest, key: .test, options: CrawlOptions(threads: threads, batchSize: 12), inspector: probe
            ).run(root: data.path)
            XCTAssertEqual(counts.added, 24)
            if threads == 1 { XCTAssertEqual(probe.peak, 1) } else { XCTAssertGreaterThan(probe.peak, 1) }
            XCTAssertLessThanOrEqual(probe.peak, threads)
        }
    }

    private func makeTree(_ folder: TemporaryFolder, files: Int) throws {
        for i in 0..<files {
            let sub = folder.url.appendingPathComponent("d\(i % 7)/e\(i % 3)")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try Data((i % 5 == 0 ? "bad \(i)" : "ok \(i)").utf8).write(to: sub.appendingPathComponent("f\(i)"))
        }
    }

    private func rows(_ manifest: ManifestDatabase) throws -> [String] {
        try manifest.files().map { "\($0.path)|\($0.size)|\($0.mtimeNs)|\($0.status)|\($0.studyDescription ?? "")" }.sorted()
    }

    func testInterruptedCrawlResumesToTheSameManifest() throws {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        try makeTree(data, files: 103)
        let reference = try ManifestDatabase(path: out.file("full.sqlite"), createIfMissing: true)
        let full = try Crawler(
            manifest: reference, key: .test, options: CrawlOptions(threads: 2, batchSize: 10), inspector: ByteInspector()
        ).run(root: data.path)
        XCTAssertEqual(full.added, 103)
        XCTAssertTrue(full.completed)

        let resumed = try ManifestDatabase(path: out.file("resumed.sqlite"), createIfMissing: true)
        var options = CrawlOptions(threads: 2, batchSize: 10)
        options.stopAfterBatches = 4
        let partial = try Crawler(manifest: resumed, key: .test, options: options, inspector: ByteInspector()).run(root: data.path)
        XCTAssertFalse(partial.completed)
        XCTAssertEqual(try resumed.fileCount(), 40, "four committed batches of ten survive")
        let rest = try Crawler(manifest: resumed, key: .test, options: CrawlOptions(threads: 2, batchSize: 10), inspector: ByteInspector())
            .run(root: data.path)
        XCTAssertEqual(rest.unchanged, 40)
        XCTAssertEqual(rest.added, 63)
        XCTAssertEqual(try rows(resumed), try rows(reference))
        XCTAssertEqual(try resumed.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM frames") }, 103)
    }

    func testRerunSkipsUnchangedAndPicksUpChanges() throws {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        try makeTree(data, files: 20)
        let manifest = try ManifestDatabase(path: out.file("m.sqlite"), createIfMissing: true)
        let crawler = Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 2, batchSize: 8), inspector: ByteInspector())
        try crawler.run(root: data.path)
        let again = try crawler.run(root: data.path)
        XCTAssertEqual(again.unchanged, 20)
        XCTAssertEqual(again.added + again.updated, 0)

        let changed = data.url.appendingPathComponent("d1/e1/f1")
        try Data("ok changed and longer".utf8).write(to: changed)
        try FileManager.default.removeItem(at: data.url.appendingPathComponent("d2/e2/f2"))
        try Data("ok new".utf8).write(to: data.url.appendingPathComponent("new"))
        let third = try crawler.run(root: data.path)
        XCTAssertEqual(third.updated, 1)
        XCTAssertEqual(third.added, 1)
        XCTAssertEqual(third.removed, 1)
        XCTAssertEqual(try manifest.fileCount(), 20)
        let row = try manifest.files().first { $0.path.hasSuffix("d1/e1/f1") }
        XCTAssertEqual(row?.studyDescription, "ok changed and longer")
    }

    func testChangedCaptureSetRereadsEveryFile() throws {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        try makeTree(data, files: 12)
        let manifest = try ManifestDatabase(path: out.file("m.sqlite"), createIfMissing: true)
        try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 2, batchSize: 5), inspector: ByteInspector()).run(
            root: data.path)
        var options = CrawlOptions(threads: 2, batchSize: 5)
        options.capturedTags = try TagSelection(rawTags: TagSelection.default.tags + [0x0018_1030 + 1])
        let rerun = try Crawler(manifest: manifest, key: .test, options: options, inspector: ByteInspector()).run(root: data.path)
        XCTAssertEqual(rerun.updated, 12)
        XCTAssertEqual(try manifest.fileCount(), 12)
        let again = try Crawler(manifest: manifest, key: .test, options: options, inspector: ByteInspector()).run(root: data.path)
        XCTAssertEqual(again.unchanged, 12)
    }
}
