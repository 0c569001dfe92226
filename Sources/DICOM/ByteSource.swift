import Foundation

/// Random access to the bytes of a DICOM stream, either in memory or in a file read on demand.
/// Header-only reads touch only the first few kilobytes of a file this way.
public protocol ByteSource: AnyObject {
    var count: Int { get }
    /// Up to `length` bytes from `offset` (fewer only at the end of the stream).
    func read(at offset: Int, length: Int) throws -> [UInt8]
}

public final class MemorySource: ByteSource {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var count: Int { bytes.count }
    public func read(at offset: Int, length: Int) throws -> [UInt8] {
        let lo = max(0, min(offset, bytes.count)), hi = max(lo, min(offset + max(0, length), bytes.count))
        return Array(bytes[lo..<hi])
    }
}

/// Reads a file by offset with POSIX pread; the file stays open while the source lives.
public final class FileSource: ByteSource {
    public let path: String
    private let fd: Int32
    public let count: Int

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DICOMError.io(path: path, reason: String(cString: strerror(errno))) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw DICOMError.io(path: path, reason: "cannot stat")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw DICOMError.io(path: path, reason: "not a regular file")
        }
        self.fd = fd
        self.count = Int(st.st_size)
    }

    deinit { close(fd) }

    public func read(at offset: Int, length: Int) throws -> [UInt8] {
        let n = max(0, min(length, count - offset))
        guard n > 0, offset >= 0 else { return [] }
        var out = [UInt8](repeating: 0, count: n)
        var done = 0
        while done < n {
            let r = out.withUnsafeMutableBytes { p in
                pread(fd, p.baseAddress! + done, n - done, off_t(offset + done))
            }
            if r < 0 {
                if errno == EINTR { continue }
                throw DICOMError.io(path: path, reason: String(cString: strerror(errno)))
            }
            if r == 0 { break }
            done += r
        }
        if done < n { out.removeLast(n - done) }
        return out
    }
}
