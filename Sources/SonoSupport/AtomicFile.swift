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
    /// - Parameter creatingFolder: create missing parent folders first.
    public static func write(_ data: Data, to url: URL, creatingFolder: Bool = false) throws {
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
            try handle.synchronize()
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

    /// Writes `text` as UTF-8.
    public static func write(_ text: String, to url: URL, creatingFolder: Bool = false) throws {
        try write(Data(text.utf8), to: url, creatingFolder: creatingFolder)
    }
}
