import Foundation

/// Decides from a file's first bytes whether it can be DICOM at all, so the crawl skips the
/// JPEGs, PDFs and spreadsheets of a real archive without parsing them.
enum DICOMSniffer {
    /// Bytes needed for a verdict: the 128-byte preamble plus `DICM`.
    static let prefixLength = 132

    enum Verdict: Equatable {
        /// Part 10 file: preamble + `DICM`.
        case part10
        /// No preamble, but the bytes look like a data set's first element (group 0002 or 0008
        /// with a plausible explicit VR or implicit length).
        case rawDataSet
        case notDICOM
    }

    static func classify(_ prefix: [UInt8], fileSize: Int64) -> Verdict {
        if prefix.count >= 132, prefix[128] == 0x44, prefix[129] == 0x49, prefix[130] == 0x43, prefix[131] == 0x4D {
            return .part10
        }
        guard prefix.count >= 8 else { return .notDICOM }
        // Without a preamble the first element must look like one: a low standard group in
        // either byte order, then VR letters (explicit) or a length that fits the file (implicit).
        for bigEndian in [false, true] {
            let group = bigEndian ? UInt16(prefix[0]) << 8 | UInt16(prefix[1]) : UInt16(prefix[0]) | UInt16(prefix[1]) << 8
            guard (0x0002...0x0030).contains(group) || group == 0x0040 || group == 0x0088 else { continue }
            let vr0 = prefix[4], vr1 = prefix[5]
            if (0x41...0x5A).contains(vr0), (0x41...0x5A).contains(vr1) { return .rawDataSet }
            let b = prefix[4..<8].map(UInt32.init)
            let length = bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
            if Int64(length) + 8 <= fileSize || length == 0xFFFF_FFFF { return .rawDataSet }
        }
        return .notDICOM
    }

    /// Reads at most `prefixLength` bytes of `path`.
    static func readPrefix(_ path: String) throws -> [UInt8] {
        try read(path, at: 0, count: prefixLength)
    }

    /// The last 8 bytes (where an encapsulated pixel stream's sequence delimiter sits).
    static func readTail(_ path: String, size: Int64) -> [UInt8] {
        guard size >= 8 else { return [] }
        return (try? read(path, at: size - 8, count: 8)) ?? []
    }

    private static func read(_ path: String, at offset: Int64, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CocoaError(.fileReadNoPermission) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        guard n >= 0 else { throw CocoaError(.fileReadUnknown) }
        return Array(bytes.prefix(n))
    }
}
