import Foundation

/// A float32 array in NumPy's `.npy` format (version 1.0–3.0, little-endian, C order).
///
/// Reads only what `sonotag features` needs: N×C×H×W inputs and N×C outputs. Anything else (other
/// dtypes, Fortran order, big-endian) is rejected with an error that names the file. `header`
/// also serves writers of other dtypes (`sonotag dicom frames` writes bytes).
public struct NPYArray: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]

    public enum NPYError: Error, CustomStringConvertible, Equatable {
        case unreadable(path: String, reason: String)
        case malformed(path: String, reason: String)
        case unsupported(path: String, reason: String)
        case shapeMismatch(shape: [Int], count: Int)

        public var description: String {
            switch self {
            case .unreadable(let p, let r): return "\(p): cannot read .npy file: \(r)"
            case .malformed(let p, let r): return "\(p): not a valid .npy file: \(r)"
            case .unsupported(let p, let r): return "\(p): unsupported .npy array: \(r)"
            case .shapeMismatch(let s, let c): return "shape \(s) does not hold \(c) values"
            }
        }
    }

    public init(shape: [Int], values: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
            throw NPYError.shapeMismatch(shape: shape, count: values.count)
        }
        self.shape = shape
        self.values = values
    }

    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    public static func read(from url: URL) throws -> NPYArray {
        let path = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw NPYError.unreadable(path: path, reason: "\(error.localizedDescription)") }
        return try decode(data, path: path)
    }

    static func decode(_ data: Data, path: String) throws -> NPYArray {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw NPYError.malformed(path: path, reason: "missing \\x93NUMPY magic")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw NPYError.malformed(path: path, reason: "truncated header length") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw NPYError.unsupported(path: path, reason: "format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count,
            let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8)
                ?? String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .isoLatin1)
        else { throw NPYError.malformed(path: path, reason: "header runs past the end of the file") }

        guard let descr = field("descr", in: header) else { throw NPYError.malformed(path: path, reason: "no 'descr' in header") }
        let dtype = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        guard dtype == "<f4" || dtype == "=f4" else {
            throw NPYError.unsupported(path: path, reason: "dtype \(dtype) (only little-endian float32 '<f4')")
        }
        guard let order = field("fortran_order", in: header) else { throw NPYError.malformed(path: path, reason: "no 'fortran_order'") }
        guard order.trimmingCharacters(in: .whitespaces) == "False" else {
            throw NPYError.unsupported(path: path, reason: "Fortran-ordered arrays")
        }
        guard let shapeText = field("shape", in: header) else { throw NPYError.malformed(path: path, reason: "no 'shape'") }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for d in dims {
            guard let v = Int(d), v >= 0 else { throw NPYError.malformed(path: path, reason: "bad shape entry '\(d)'") }
            shape.append(v)
        }
        // Multiplying with overflow checks: a hostile header must not make us allocate absurdly.
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw NPYError.malformed(path: path, reason: "shape \(shape) overflows") }
            count = p
        }
        let payload = bytes.count - headerStart - headerLength
        guard count * 4 <= payload else {
            throw NPYError.malformed(path: path, reason: "shape \(shape) needs \(count * 4) bytes, file holds \(payload)")
        }
        var values = [Float](repeating: 0, count: count)
        let start = headerStart + headerLength
        values.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start..<(start + count * 4)]))
            }
        }
        #if _endian(big)
            values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
        #endif
        return NPYArray(unchecked: shape, values)
    }

    private init(unchecked shape: [Int], _ values: [Float]) {
        self.shape = shape
        self.values = values
    }

    /// The text of `'key': value` in the header dict (up to the next top-level comma or brace).
    private static func field(_ key: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[r.upperBound...].drop { $0 == " " || $0 == ":" }
        var depth = 0
        var out = ""
        while let c = rest.first {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if depth == 0 && (c == "," || c == "}") { break }
            out.append(c)
            rest = rest.dropFirst()
            if depth == 0 && c == ")" { break }
        }
        return out
    }

    public func encoded() -> Data {
        var out = Self.header(descr: "<f4", shape: shape)
        values.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    /// The version 1.0 preamble (magic, version, header dict) of a C-ordered array of `shape`
    /// whose elements NumPy's `descr` names (`<f4` float32, `|u1` bytes); the data follows it.
    public static func header(descr: String, shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad so that the data starts on a 64-byte boundary, ending with a newline (NumPy's rule).
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data(magic + [1, 0])
        let n = header.utf8.count
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        out.append(contentsOf: Array(header.utf8))
        return out
    }

    public func write(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url)
    }
}
