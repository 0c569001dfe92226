/// Options for reading a data set.
public struct ParseOptions: Sendable {
    /// Stop at the top-level Pixel Data element (its position is still recorded).
    public var stopBeforePixelData: Bool
    /// Deepest sequence nesting accepted; deeper input is rejected, not recursed into.
    public var maximumDepth: Int
    /// Keep what was read from a file that ends inside an element (pydicom's behaviour) and flag
    /// it (`DICOMFile.isTruncated`), instead of throwing `DICOMError.truncated`.
    public var allowTruncation: Bool

    public init(stopBeforePixelData: Bool = false, maximumDepth: Int = 32, allowTruncation: Bool = true) {
        self.stopBeforePixelData = stopBeforePixelData
        self.maximumDepth = maximumDepth
        self.allowTruncation = allowTruncation
    }

    /// Throws on any truncation.
    public static let strict = ParseOptions(allowTruncation: false)
}

/// A read position over a ByteSource, with a window of bytes fetched ahead so small reads are cheap.
final class Cursor {
    let source: ByteSource
    let end: Int
    private(set) var window: [UInt8] = []
    private(set) var windowStart = 0
    var position: Int
    /// Bytes fetched at a time when the window runs out; grows so long headers need few reads.
    private var chunk = 8 * 1024

    init(source: ByteSource, position: Int = 0) {
        self.source = source
        self.end = source.count
        self.position = position
        if let m = source as? MemorySource {
            window = m.bytes
            windowStart = 0
        }
    }

    var remaining: Int { max(0, end - position) }

    /// Makes `n` bytes from `position` available, or throws if the stream ends first.
    func require(_ n: Int, _ context: @autoclosure () -> String) throws {
        guard n <= remaining else { throw DICOMError.truncated(offset: position, context: context()) }
        if position >= windowStart && position + n <= windowStart + window.count { return }
        let want = max(n, chunk)
        chunk = min(chunk * 2, 256 * 1024)
        window = try source.read(at: position, length: want)
        windowStart = position
        guard window.count >= n else { throw DICOMError.truncated(offset: position, context: context()) }
    }

    @inline(__always) func byte(_ i: Int) -> UInt8 { window[position - windowStart + i] }

    func u16(_ bigEndian: Bool, at i: Int = 0) -> UInt16 {
        let a = UInt16(byte(i)), b = UInt16(byte(i + 1))
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    func u32(_ bigEndian: Bool, at i: Int = 0) -> UInt32 {
        let b0 = UInt32(byte(i)), b1 = UInt32(byte(i + 1)), b2 = UInt32(byte(i + 2)), b3 = UInt32(byte(i + 3))
        return bigEndian ? b0 << 24 | b1 << 16 | b2 << 8 | b3 : b3 << 24 | b2 << 16 | b1 << 8 | b0
    }

    /// Copies `n` bytes and advances.
    func take(_ n: Int, _ context: @autoclosure () -> String) throws -> [UInt8] {
        if n == 0 { return [] }
        // Large values (rare outside pixel data) are read directly instead of through the window.
        if n > (1 << 20), !(source is MemorySource) {
            guard n <= remaining else { throw DICOMError.truncated(offset: position, context: context()) }
            let b = try source.read(at: position, length: n)
            guard b.count == n else { throw DICOMError.truncated(offset: position, context: context()) }
            position += n
            return b
        }
        try require(n, context())
        let s = position - windowStart
        position += n
        return Array(window[s..<(s + n)])
    }
}

/// The byte order and VR encoding a data set is read with.
struct Encoding: Equatable {
    var explicitVR: Bool
    var bigEndian: Bool
    static let implicitLittle = Encoding(explicitVR: false, bigEndian: false)
    static let explicitLittle = Encoding(explicitVR: true, bigEndian: false)
    static let explicitBig = Encoding(explicitVR: true, bigEndian: true)
}

/// Reads data elements from a cursor. Every length is checked against what the stream holds
/// before anything is allocated, so corrupt lengths fail as typed errors.
struct DataSetParser {
    let cursor: Cursor
    let options: ParseOptions
    /// Set when a top-level read stopped at Pixel Data (header-only mode).
    var stoppedAtPixelData: PixelDataReference?
    var warnings: [String] = []
    /// Set when the stream ended inside an element and `allowTruncation` kept the partial data set.
    var truncatedAt: Int?
    /// Set when the last undefined-length item read was closed by a Sequence Delimitation Item.
    var itemClosedBySequenceDelimiter = false

    init(cursor: Cursor, options: ParseOptions) {
        self.cursor = cursor
        self.options = options
    }

    private static let undefined: UInt32 = 0xFFFF_FFFF

    /// Reads elements until `end` (absolute offset), an item delimiter (when `inUndefinedItem`),
    /// or the end of the stream at top level.
    mutating func readDataSet(
        encoding: Encoding, end: Int?, depth: Int, inUndefinedItem: Bool,
        characterSet: SpecificCharacterSet, stopPredicate: ((Tag) -> Bool)? = nil
    ) throws -> DataSet {
        var ds = DataSet()
        ds.characterSet = characterSet
        while truncatedAt == nil {
            if let end, cursor.position >= end { break }
            if cursor.remaining == 0 {
                if inUndefinedItem || end != nil {
                    try truncation(DICOMError.truncated(offset: cursor.position, context: "item or sequence ends early"))
                }
                break
            }
            if depth == 0, end == nil, cursor.remaining < 8 {
                // A few stray bytes after the last element (seen in real files): ignore them.
                warnings.append("\(cursor.remaining) trailing bytes ignored at \(cursor.position)")
                break
            }
            if cursor.remaining < 8 && !(depth == 0 && end == nil) {
                try truncation(DICOMError.truncated(offset: cursor.position, context: "element header"))
                break
            }
            try cursor.require(4, "element tag")
            let tag = Tag(cursor.u16(encoding.bigEndian), cursor.u16(encoding.bigEndian, at: 2))
            if let stop = stopPredicate, stop(tag) { break }
            if tag == .itemDelimitation {
                cursor.position += 4
                if cursor.remaining < 4 {
                    try truncation(DICOMError.truncated(offset: cursor.position, context: "item delimiter length"))
                    break
                }
                cursor.position += 4
                if inUndefinedItem { return ds }
                warnings.append("stray item delimiter at \(cursor.position - 8)")
                continue
            }
            if tag == .sequenceDelimitation || tag == .item {
                let at = cursor.position
                if cursor.remaining < 8 {
                    try truncation(DICOMError.truncated(offset: at, context: "\(tag) length"))
                    break
                }
                let length = cursor.u32(encoding.bigEndian, at: 4)
                if tag == .sequenceDelimitation && inUndefinedItem {
                    // Seen in real ultrasound exports: a Sequence Delimitation Item where the Item
                    // Delimitation Item belongs. pydicom reads on; the item ends here, and in an
                    // undefined-length sequence so does the sequence (readItems).
                    cursor.position += 8
                    warnings.append("sequence delimiter at \(at) closes an item (item delimiter expected)")
                    itemClosedBySequenceDelimiter = true
                    return ds
                }
                // An item tag (or a sequence delimiter) outside any sequence, after an element of
                // undefined length or a wrong length: pydicom reads it as an element of that
                // length and goes on; so do we, skipping its value, with a warning.
                cursor.position += 8
                if tag == .item && length == Self.undefined {
                    guard depth < options.maximumDepth else { throw DICOMError.nestingTooDeep(offset: at, depth: options.maximumDepth) }
                    _ = try readDataSet(
                        encoding: encoding, end: nil, depth: depth + 1, inUndefinedItem: true, characterSet: ds.characterSet)
                    itemClosedBySequenceDelimiter = false
                    warnings.append("undefined-length item outside a sequence at \(at) skipped")
                    continue
                }
                let skip = tag == .item ? Int(length) : 0
                guard skip <= cursor.remaining, end.map({ cursor.position + skip <= $0 }) ?? true else {
                    throw DICOMError.malformed(offset: at, context: "\(tag) outside a sequence with length \(length) past its container")
                }
                cursor.position += skip
                warnings.append("\(tag == .item ? "item" : "sequence delimiter") outside a sequence at \(at) skipped (\(skip) bytes)")
                continue
            }
            if depth == 0, options.stopBeforePixelData,
                tag == .pixelData || tag == .floatPixelData || tag == .doubleFloatPixelData
            {
                let headerStart = cursor.position
                let (vr, length) = try readHeader(tag: tag, encoding: encoding)
                stoppedAtPixelData = PixelDataReference(
                    offset: cursor.position, length: length == Self.undefined ? nil : Int(length), vr: vr)
                cursor.position = headerStart
                break
            }
            let element: DataElement
            do {
                element = try readElement(tag: tag, encoding: encoding, depth: depth, characterSet: ds.characterSet)
            } catch let e as DICOMError {
                guard case .truncated = e else { throw e }
                try truncation(e)
                break
            }
            if tag == .specificCharacterSet, case .bytes(let b) = element.value {
                ds.characterSet = SpecificCharacterSet(terms: DataSet.strings(b, vr: .CS, characterSet: .default))
            }
            ds.set(element)
        }
        if inUndefinedItem && truncatedAt == nil {
            try truncation(DICOMError.truncated(offset: cursor.position, context: "item without delimiter"))
        }
        return ds
    }

    /// Rethrows in strict mode; otherwise records where the data ends so every level stops reading.
    private mutating func truncation(_ error: DICOMError) throws {
        guard options.allowTruncation else { throw error }
        if truncatedAt == nil, case .truncated(let offset, let context) = error {
            truncatedAt = offset
            warnings.append("stream ends early at byte \(offset): \(context)")
        }
    }

    /// Reads VR and length after the tag; the cursor is left at the value.
    private mutating func readHeader(tag: Tag, encoding: Encoding) throws -> (VR, UInt32) {
        let start = cursor.position
        if encoding.explicitVR {
            try cursor.require(8, "element \(tag) header")
            if let vr = VR(bytes: cursor.byte(4), cursor.byte(5)) {
                if vr.hasLongLength {
                    try cursor.require(12, "element \(tag) header")
                    let len = cursor.u32(encoding.bigEndian, at: 8)
                    cursor.position = start + 12
                    return (vr, len)
                }
                let len = UInt32(cursor.u16(encoding.bigEndian, at: 6))
                cursor.position = start + 8
                return (vr, len)
            }
            // Not a VR: some writers switch to implicit VR mid-stream; read this element that way.
            warnings.append("element \(tag) has no explicit VR; read as implicit")
        }
        try cursor.require(8, "element \(tag) header")
        let len = cursor.u32(encoding.bigEndian, at: 4)
        cursor.position = start + 8
        var vr = DataDictionary.impliedVR(for: tag)
        if len == Self.undefined && vr != .SQ && tag != .pixelData { vr = .SQ }
        return (vr, len)
    }

    private mutating func readElement(tag: Tag, encoding: Encoding, depth: Int, characterSet: SpecificCharacterSet) throws -> DataElement {
        let offset = cursor.position
        var (vr, length) = try readHeader(tag: tag, encoding: encoding)

        // Pixel Data stays in the stream, native or encapsulated.
        if tag == .pixelData || tag == .floatPixelData || tag == .doubleFloatPixelData {
            let valueStart = cursor.position
            if length == Self.undefined {
                try skipFragments(encoding: encoding)
                return DataElement(
                    tag: tag, vr: vr, value: .deferred(PixelDataReference(offset: valueStart, length: nil, vr: vr)), offset: offset)
            }
            let n = Int(length)
            if n > cursor.remaining {
                // pydicom reads such headers; decoding reports the shortfall.
                warnings.append("Pixel Data length \(n) runs past the end of the stream (\(cursor.remaining) bytes left)")
                cursor.position = cursor.end
            } else {
                cursor.position += n
            }
            return DataElement(
                tag: tag, vr: vr, value: .deferred(PixelDataReference(offset: valueStart, length: n, vr: vr)), offset: offset)
        }

        // UN of a known tag takes the dictionary's VR; a UN sequence's content is implicit VR little endian.
        var itemEncoding = encoding
        if vr == .UN {
            if let known = DataDictionary.entry(for: tag)?.vr, known != .UN, known != .none {
                vr = known
                if known == .SQ { itemEncoding = .implicitLittle }
            } else if length == Self.undefined {
                vr = .SQ
                itemEncoding = .implicitLittle
            }
        }

        if vr == .SQ {
            guard depth < options.maximumDepth else { throw DICOMError.nestingTooDeep(offset: offset, depth: options.maximumDepth) }
            var end: Int? = length == Self.undefined ? nil : cursor.position + Int(length)
            if let e = end, e > cursor.end {
                try truncation(DICOMError.truncated(offset: offset, context: "sequence \(tag) length \(length) past end"))
                end = cursor.end
            }
            // Read the items that are there even when the sequence is cut short; the flag is restored after.
            let mark = truncatedAt
            truncatedAt = nil
            let items = try readItems(encoding: itemEncoding, end: end, depth: depth + 1, characterSet: characterSet, tag: tag)
            truncatedAt = truncatedAt ?? mark
            return DataElement(tag: tag, vr: .SQ, value: .sequence(items), offset: offset)
        }
        if length == Self.undefined {
            // An undefined-length OB/OW outside top-level Pixel Data (icons in encapsulated files).
            let valueStart = cursor.position
            try skipFragments(encoding: encoding)
            return DataElement(
                tag: tag, vr: vr, value: .deferred(PixelDataReference(offset: valueStart, length: nil, vr: vr)), offset: offset)
        }
        var value: [UInt8]
        if Int(length) > cursor.remaining && options.allowTruncation {
            // pydicom keeps the bytes that are there; so do we, and flag the file.
            let at = cursor.position
            value = try cursor.take(cursor.remaining, "value of \(tag)")
            try truncation(DICOMError.truncated(offset: at, context: "value of \(tag) (\(length) bytes)"))
        } else {
            value = try cursor.take(Int(length), "value of \(tag) (\(length) bytes)")
        }
        if encoding.bigEndian, let w = vr.binaryWidth, w > 1 { Self.swap(&value, width: w) }
        return DataElement(tag: tag, vr: vr, value: .bytes(value), offset: offset)
    }

    private mutating func readItems(encoding: Encoding, end: Int?, depth: Int, characterSet: SpecificCharacterSet, tag: Tag) throws
        -> [DataSet]
    {
        var items: [DataSet] = []
        while truncatedAt == nil {
            if let end, cursor.position >= end { break }
            if cursor.remaining < 8 {
                try truncation(DICOMError.truncated(offset: cursor.position, context: "item header in \(tag)"))
                break
            }
            try cursor.require(8, "item header in \(tag)")
            let itemTag = Tag(cursor.u16(encoding.bigEndian), cursor.u16(encoding.bigEndian, at: 2))
            let len = cursor.u32(encoding.bigEndian, at: 4)
            let at = cursor.position
            cursor.position += 8
            if itemTag == .sequenceDelimitation {
                if end == nil { break }
                warnings.append("sequence delimiter inside defined-length \(tag)")
                continue
            }
            guard itemTag == .item else {
                throw DICOMError.malformed(offset: at, context: "expected an item in \(tag), found \(itemTag)")
            }
            if len == Self.undefined {
                itemClosedBySequenceDelimiter = false
                items.append(try readDataSet(encoding: encoding, end: nil, depth: depth, inUndefinedItem: true, characterSet: characterSet))
                if itemClosedBySequenceDelimiter {
                    itemClosedBySequenceDelimiter = false
                    // The delimiter that closed the item closes an undefined-length sequence too;
                    // a defined-length one ends at its length.
                    if end == nil { break }
                }
            } else {
                var itemEnd = cursor.position + Int(len)
                if itemEnd > (end ?? cursor.end) || itemEnd > cursor.end {
                    try truncation(DICOMError.truncated(offset: at, context: "item of \(tag) with length \(len) runs past its container"))
                    itemEnd = min(end ?? cursor.end, cursor.end)
                    let mark = truncatedAt
                    truncatedAt = nil
                    items.append(
                        try readDataSet(encoding: encoding, end: itemEnd, depth: depth, inUndefinedItem: false, characterSet: characterSet))
                    truncatedAt = truncatedAt ?? mark
                    break
                }
                items.append(
                    try readDataSet(encoding: encoding, end: itemEnd, depth: depth, inUndefinedItem: false, characterSet: characterSet))
                if truncatedAt == nil && cursor.position != itemEnd {
                    throw DICOMError.malformed(offset: cursor.position, context: "item of \(tag) overran its length")
                }
            }
        }
        return items
    }

    /// Walks item headers of encapsulated data up to and past the sequence delimiter.
    private mutating func skipFragments(encoding: Encoding) throws {
        while true {
            try cursor.require(8, "fragment header")
            let t = Tag(cursor.u16(encoding.bigEndian), cursor.u16(encoding.bigEndian, at: 2))
            let len = Int(cursor.u32(encoding.bigEndian, at: 4))
            let at = cursor.position
            cursor.position += 8
            if t == .sequenceDelimitation { return }
            guard t == .item, len != Int(Self.undefined) else {
                throw DICOMError.malformed(offset: at, context: "expected a fragment item, found \(t)")
            }
            guard len <= cursor.remaining else { throw DICOMError.truncated(offset: at, context: "fragment of \(len) bytes past end") }
            cursor.position += len
        }
    }

    static func swap(_ b: inout [UInt8], width: Int) {
        let n = b.count / width * width
        var i = 0
        while i < n {
            var lo = i, hi = i + width - 1
            while lo < hi { b.swapAt(lo, hi); lo += 1; hi -= 1 }
            i += width
        }
    }
}
