import Foundation
import GRDB
import SonoParallel

/// The outcome of reading one file's header.
struct InspectedFile: Sendable {
    var record: FileRecord
    /// Per-frame pixel ranges (file id filled in at insertion).
    var frames: [(offset: Int64?, length: Int64?)]
}

/// Reads one file into a manifest row. Never throws: unreadable files become rows with a status.
protocol FileInspecting: Sendable {
    func inspect(path: String, stamp: FileStamp) -> InspectedFile
}

/// This run's counts; totals by status come from `CrawlSummary`.
public struct CrawlRunCounts: Sendable, Equatable {
    public var found = 0
    public var unchanged = 0
    public var added = 0
    public var updated = 0
    public var removed = 0
    public var committedBatches = 0
    /// False when the crawl stopped early (test hook).
    public var completed = true
}

/// The parallel, resumable, header-only crawl behind `sonotag index`.
///
/// Files are listed first (names, sizes and modification times, to know the total for the ETA),
/// then read in batches: each batch is inspected by `options.threads` readers (all cores by
/// default) and committed in one transaction while the next batch is read. A rerun skips files
/// whose size and modification time are unchanged.
public final class Crawler {
    public let manifest: ManifestDatabase
    public let options: CrawlOptions
    private let inspector: FileInspecting

    private let key: PatientKey

    /// - Parameter key: hashes patient ids; the manifest refuses a key other than the one it
    ///   was first indexed with.
    public convenience init(manifest: ManifestDatabase, key: PatientKey, options: CrawlOptions = CrawlOptions()) {
        self.init(
            manifest: manifest, key: key, options: options, inspector: DICOMFileInspector(capturedTags: options.capturedTags, key: key))
    }

    init(manifest: ManifestDatabase, key: PatientKey, options: CrawlOptions, inspector: FileInspecting) {
        self.manifest = manifest
        self.key = key
        self.options = options
        self.inspector = inspector
    }

    /// Crawls `root` (a folder, or a single file). `progress` is called from the crawl thread
    /// after each batch.
    ///
    /// The first crawl of a manifest records its archive root (the folder, or a single file's
    /// folder) once, in `meta`; rows store paths relative to it, so the manifest's clear-text
    /// columns do not spell out where the archive lives, and later crawls must stay inside it.
    @discardableResult
    public func run(root: String, progress: ((CrawlProgress) -> Void)? = nil) throws -> CrawlRunCounts {
        let start = Date()
        let rootPath = URL(fileURLWithPath: root).standardizedFileURL.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rootPath, isDirectory: &isFolder) else {
            throw SonoDataError.notAFolder(path: root)
        }
        let archiveRoot = try bindArchiveRoot(isFolder.boolValue ? rootPath : (rootPath as NSString).deletingLastPathComponent)
        try manifest.bind(key, keyPath: options.keyPath)
        let absoluteListing = isFolder.boolValue ? Self.listFiles(under: rootPath) : Self.stamp(of: rootPath).map { [(rootPath, $0)] } ?? []
        let rootPrefix = archiveRoot == "/" ? "/" : archiveRoot + "/"
        // (relative path, absolute path, stamp)
        let listed = absoluteListing.map { (path: String($0.path.dropFirst(rootPrefix.count)), absolute: $0.path, stamp: $0.stamp) }
        // A different set of captured tags makes every stored row stale: re-read them all.
        let previousCapture = try manifest.meta(ManifestDatabase.capturedTagsKey)
        var known = try manifest.indexedStamps()
        if let previousCapture, previousCapture != options.capturedTags.json {
            known = known.mapValues { FileStamp(size: -1, mtimeNs: $0.mtimeNs) }
        }
        try manifest.setMeta(ManifestDatabase.capturedTagsKey, options.capturedTags.json)
        var counts = CrawlRunCounts()
        counts.found = listed.count

        if options.pruneMissing, isFolder.boolValue {
            let present = Set(listed.map(\.path))
            let crawled = rootPath == archiveRoot ? "" : String(rootPath.dropFirst(rootPrefix.count)) + "/"
            let gone = known.keys.filter { $0.hasPrefix(crawled) && !present.contains($0) }
            if !gone.isEmpty {
                try manifest.pool.write { db in
                    for chunk in stride(from: 0, to: gone.count, by: 500) {
                        let part = Array(gone[chunk..<min(chunk + 500, gone.count)])
                        try FileRecord.filter(part.contains(Column("path"))).deleteAll(db)
                    }
                }
                counts.removed = gone.count
            }
        }

        let writer = DispatchQueue(label: "sonotag.crawl.writer")
        let inFlight = DispatchSemaphore(value: 2)
        let failure = ErrorBox()
        var done = 0
        let batchSize = max(options.batchSize, 1)
        for batchStart in stride(from: 0, to: listed.count, by: batchSize) {
            if let limit = options.stopAfterBatches, counts.committedBatches >= limit {
                counts.completed = false
                break
            }
            let batch = Array(listed[batchStart..<min(batchStart + batchSize, listed.count)])
            let fresh = try parallelMap(batch.count, threads: options.threads) { i -> (file: InspectedFile, replaces: Bool)? in
                let (path, absolute, stamp) = batch[i]
                let old = known[path]
                if old == stamp { return nil }
                var inspected = inspector.inspect(path: absolute, stamp: stamp)
                inspected.record.path = path
                return (inspected, old != nil)
            }.compactMap { $0 }
            counts.unchanged += batch.count - fresh.count
            counts.added += fresh.filter { !$0.replaces }.count
            counts.updated += fresh.filter(\.replaces).count
            done += batch.count
            inFlight.wait()
            if let failed = failure.error { throw failed }
            writer.async { [manifest] in
                defer { inFlight.signal() }
                do {
                    try Self.commit(fresh, to: manifest)
                } catch {
                    failure.error = error
                }
            }
            counts.committedBatches += 1
            if options.stopAfterBatches != nil { writer.sync {} }
            progress?(CrawlProgress(total: listed.count, done: done, unchanged: counts.unchanged, elapsed: Date().timeIntervalSince(start)))
        }
        writer.sync {}
        if let failed = failure.error { throw failed }
        return counts
    }

    /// The manifest's archive root: `folder` on the first crawl; afterwards `folder` must be the
    /// recorded root or lie under it.
    private func bindArchiveRoot(_ folder: String) throws -> String {
        if let recorded = try manifest.archiveRoot() {
            let prefix = recorded == "/" ? "/" : recorded + "/"
            guard folder == recorded || folder.hasPrefix(prefix) else {
                throw SonoDataError.outsideArchive(manifest: manifest.path, root: recorded, folder: folder)
            }
            return recorded
        }
        try manifest.setMeta(ManifestDatabase.archiveRootKey, folder)
        return folder
    }

    private static func commit(_ files: [(file: InspectedFile, replaces: Bool)], to manifest: ManifestDatabase) throws {
        guard !files.isEmpty else { return }
        try manifest.pool.write { db in
            let columns = FileRecord.insertionColumns
            let insertFile = try db.cachedStatement(
                sql:
                    "INSERT INTO files(\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
            )
            let insertFrame = try db.cachedStatement(sql: "INSERT INTO frames(file_id, frame_index, offset, length) VALUES (?, ?, ?, ?)")
            let deleteFile = try db.cachedStatement(sql: "DELETE FROM files WHERE path = ?")
            for entry in files {
                let record = entry.file.record
                if entry.replaces { try deleteFile.execute(arguments: [record.path]) }
                try insertFile.execute(arguments: StatementArguments(record.insertionValues))
                let id = db.lastInsertedRowID
                for (index, frame) in entry.file.frames.enumerated() {
                    try insertFrame.execute(arguments: [id, index, frame.offset, frame.length])
                }
            }
        }
    }

    /// Regular files under `root` with their size and modification time, sorted by path,
    /// following sub-folders (not symbolic links to folders, which could loop).
    static func listFiles(under root: String) -> [(path: String, stamp: FileStamp)] {
        var result: [(path: String, stamp: FileStamp)] = []
        var pending = [root]
        let manager = FileManager.default
        while let folder = pending.popLast() {
            guard let names = try? manager.contentsOfDirectory(atPath: folder) else { continue }
            for name in names {
                let path = folder + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: pending.append(path)
                case S_IFREG: result.append((path, Self.stamp(info)))
                case S_IFLNK:
                    var target = stat()
                    if stat(path, &target) == 0, target.st_mode & S_IFMT == S_IFREG { result.append((path, Self.stamp(target))) }
                default: break
                }
            }
        }
        return result.sorted { $0.path < $1.path }
    }

    /// The first error of the writer thread, read by the crawl thread.
    private final class ErrorBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Error?
        var error: Error? {
            get { lock.lock(); defer { lock.unlock() }; return stored }
            set { lock.lock(); if stored == nil { stored = newValue }; lock.unlock() }
        }
    }

    static func stamp(of path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return stamp(info)
    }

    private static func stamp(_ info: stat) -> FileStamp {
        let ns = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return FileStamp(size: Int64(info.st_size), mtimeNs: ns)
    }
}
