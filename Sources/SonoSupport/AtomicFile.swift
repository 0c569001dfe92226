import Foundation

/// Whole-file writes that a crash or a concurrent reader never sees half done: the bytes go to a
/// temporary file in the destination's folder, are flushed to disk, and rename(2) puts the file in
/// place. rename(2) replaces an existing file atomically on every POSIX file system; Foundation's
/// `.atomic` option and `replaceItemAt` are not documented to do so on Linux, hence this one helper
/// for run records, checkpoints, tables, images and arrays alike.
public enum AtomicFile {
    /// A write that failed, with the destination and the system's reason.
    public struct WriteError: Error, Equatable, CustomStringConvertible {
        public var path: String
        public var reason: String

        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Writes `data` to `url`, replacing any file there.
    /// - Parameters:
    ///   - creatingFolder: create missing parent folders first.
    ///   - durable: flush the bytes to disk before the rename. Without it the write is still atomic
    ///     for every reader and survives the writing process being killed (the page cache keeps
    ///     it); only an operating-system crash can lose it. Training uses that for its per-epoch
    ///     checkpoints, whose fsync took 1–1.5 s of a 6 s epoch, and `synchronize` at the end.
    public static func write(_ data: Data, to url: URL, creatingFolder: Bool = false, durable: Bool = true) throws {
        let directory = url.deletingLastPathComponent()
        if creatingFolder {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw WriteError(path: url.path, reason: error.localizedDescription)
            }
        }
        // A unique name per write: two processes (data-parallel ranks) or threads writing the same
        // file must not share a temporary.
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw WriteError(path: url.path, reason: "cannot create a temporary file in \(directory.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            if durable { try handle.synchronize() }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw WriteError(path: url.path, reason: error.localizedDescription)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw WriteError(path: url.path, reason: "cannot move the temporary file into place (\(reason))")
        }
    }

    /// Flushes a file written with `durable: false` to disk; nothing when it does not exist.
    public static func synchronize(_ url: URL) throws {
        guard let handle = FileHandle(forUpdatingAtPath: url.path) else { return }
        defer { try? handle.close() }
        do { try handle.synchronize() } catch { throw WriteError(path: url.path, reason: error.localizedDescription) }
    }

    /// Writes `text` as UTF-8.
    public static func write(_ text: String, to url: URL, creatingFolder: Bool = false) throws {
        try write(Data(text.utf8), to: url, creatingFolder: creatingFolder)
    }
}
