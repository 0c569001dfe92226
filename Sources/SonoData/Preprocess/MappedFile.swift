import Foundation

/// A read-only memory mapping of a whole file; pages are loaded by the kernel on first touch and
/// shared between processes, so later epochs read samples at memory speed.
final class MappedFile: @unchecked Sendable {
    let path: String
    let count: Int
    let base: UnsafeRawPointer?

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SonoDataError.cache(path: path, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SonoDataError.cache(path: path, message: "cannot stat") }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            return
        }
        guard let mapped = mmap(nil, count, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw SonoDataError.cache(path: path, message: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }
}
