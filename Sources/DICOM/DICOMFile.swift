import Foundation

/// A DICOM Part 10 file (or a bare data set) opened for reading.
///
/// Pixel data is never read at open: the file keeps its offset and length and decodes one
/// frame at a time on request. In `.headerOnly` mode parsing also stops at Pixel Data, so a
/// header scan reads only the first kilobytes of each file.
public final class DICOMFile: @unchecked Sendable {
    public enum ReadMode: Sendable { case headerOnly, full }

    /// Where the bytes came from (for error messages); nil for in-memory input.
    public let path: String?
    public let hasPreamble: Bool
    /// File Meta Information (group 0002); empty when the file has none.
    public let meta: DataSet
    /// The data set (everything but group 0002).
    public let dataSet: DataSet
    /// The syntax the data set was actually read with (guessed when the meta group lacks it).
    public let transferSyntax: TransferSyntax
    /// Whether the meta group names the transfer syntax (false: it was guessed from the bytes).
    public let transferSyntaxDeclared: Bool
    /// Pixel Data's position in the data-set stream, when present.
    public let pixelDataReference: PixelDataReference?
    /// Oddities tolerated while reading (never patient data).
    public private(set) var warnings: [String]
    /// The stream ended inside an element; what was read is kept (see `ParseOptions.allowTruncation`).
    public let isTruncated: Bool

    /// The stream pixel offsets refer to: the file, or the inflated data set for deflated syntaxes.
    let stream: ByteSource
    private let lock = NSLock()
    private var cachedFrames: [FrameLocation]?

    /// Opens a file. `.headerOnly` stops before Pixel Data and reads only what it needs.
    public convenience init(path: String, mode: ReadMode = .full, options: ParseOptions = ParseOptions()) throws {
        let source = try FileSource(path: path)
        try self.init(source: source, path: path, mode: mode, options: options)
    }

    public convenience init(url: URL, mode: ReadMode = .full, options: ParseOptions = ParseOptions()) throws {
        try self.init(path: url.path, mode: mode, options: options)
    }

    /// Reads from memory (the bytes of a file, with or without preamble and meta group).
    public convenience init(bytes: [UInt8], mode: ReadMode = .full, options: ParseOptions = ParseOptions()) throws {
        try self.init(source: MemorySource(bytes), path: nil, mode: mode, options: options)
    }

    init(source: ByteSource, path: String?, mode: ReadMode, options: ParseOptions) throws {
        var opts = options
        opts.stopBeforePixelData = mode == .headerOnly
        self.path = path
        var warnings: [String] = []
        let cursor = Cursor(source: source)
        do {  // one scope for the whole read: every failure below is a DICOMError
            // Preamble: 128 bytes then "DICM". Without it the stream starts with an element.
            var hasPreamble = false
            if source.count >= 132 {
                try cursor.require(132, "preamble")
                cursor.position = 128
                if cursor.byte(0) == 0x44, cursor.byte(1) == 0x49, cursor.byte(2) == 0x43, cursor.byte(3) == 0x4D {
                    hasPreamble = true
                    cursor.position = 132
                } else {
                    cursor.position = 0
                }
            }
            if !hasPreamble, source.count >= 4 {
                try cursor.require(4, "magic")
                if cursor.byte(0) == 0x44, cursor.byte(1) == 0x49, cursor.byte(2) == 0x43, cursor.byte(3) == 0x4D {
                    cursor.position = 4  // "DICM" without preamble: rare, tolerated
                }
            }
            self.hasPreamble = hasPreamble

            // File meta group: explicit VR little endian, read while the group is 0002.
            var parser = DataSetParser(cursor: cursor, options: opts)
            let meta = try parser.readDataSet(
                encoding: .explicitLittle, end: nil, depth: 0, inUndefinedItem: false,
                characterSet: .default, stopPredicate: { $0.group != 0x0002 })
            self.meta = meta
            warnings += parser.warnings
            let datasetStart = cursor.position
            guard cursor.remaining > 0 || !meta.elements.isEmpty else {
                throw DICOMError.malformed(offset: 0, context: "empty input")
            }

            // Transfer syntax: declared, or guessed from the first data-set element.
            var declared = meta.string(.transferSyntaxUID).map { TransferSyntax(uid: $0) }
            if let d = declared, !d.isKnown {
                warnings.append("unknown transfer syntax \(d.uid); data set read as explicit VR little endian")
            }
            if declared?.uid.isEmpty == true { declared = nil }
            var encoding: Encoding
            if let d = declared {
                encoding = d == .implicitVRLittleEndian ? .implicitLittle : (d.isBigEndian ? .explicitBig : .explicitLittle)
            } else {
                encoding = try Self.guessEncoding(cursor)
            }
            self.transferSyntaxDeclared = declared != nil
            var ts =
                declared
                ?? (encoding == .implicitLittle
                    ? .implicitVRLittleEndian : (encoding.bigEndian ? .explicitVRBigEndian : .explicitVRLittleEndian))

            // Deflated: the data set after the meta group is one raw deflate stream.
            var stream: ByteSource = source
            var dsCursor = cursor
            if ts.isDeflated {
                let compressed = try source.read(at: datasetStart, length: source.count - datasetStart)
                let inflated = try Deflate.inflateRaw(compressed, limit: max(1 << 20, compressed.count * 1100))
                stream = MemorySource(inflated)
                dsCursor = Cursor(source: stream)
            }
            // Files that declare one encoding and use another exist; trust the bytes.
            if !ts.isDeflated, let checked = try? Self.checkEncoding(dsCursor, declared: encoding), checked != encoding {
                warnings.append(
                    "transfer syntax \(ts.uid) declared but data set is \(checked.explicitVR ? "explicit" : "implicit") VR; read as found")
                encoding = checked
                if declared != nil, ts.isNative {
                    ts = checked.explicitVR ? (checked.bigEndian ? .explicitVRBigEndian : .explicitVRLittleEndian) : .implicitVRLittleEndian
                }
            }
            self.transferSyntax = ts
            self.stream = stream

            var dsParser = DataSetParser(cursor: dsCursor, options: opts)
            let ds = try dsParser.readDataSet(encoding: encoding, end: nil, depth: 0, inUndefinedItem: false, characterSet: .default)
            warnings += dsParser.warnings
            self.isTruncated = dsParser.truncatedAt != nil || parser.truncatedAt != nil
            self.dataSet = ds
            if let stopped = dsParser.stoppedAtPixelData {
                self.pixelDataReference = stopped
            } else if let e = ds[.pixelData] ?? ds[.floatPixelData] ?? ds[.doubleFloatPixelData], case .deferred(let r) = e.value {
                self.pixelDataReference = r
            } else {
                self.pixelDataReference = nil
            }
            self.warnings = warnings
        }
    }

    /// Explicit or implicit, little or big endian, from the first element's bytes.
    private static func guessEncoding(_ c: Cursor) throws -> Encoding {
        guard c.remaining >= 8 else { throw DICOMError.malformed(offset: c.position, context: "too short for a DICOM data set") }
        try c.require(8, "first element")
        let bigEndian = c.byte(0) == 0 && c.byte(1) != 0
        let explicit = VR(bytes: c.byte(4), c.byte(5)) != nil
        guard Self.plausibleFirstGroup(c.u16(bigEndian)) else {
            throw DICOMError.malformed(
                offset: c.position, context: "not a DICOM file (no preamble, no meta group, no plausible first element)")
        }
        return Encoding(explicitVR: explicit, bigEndian: bigEndian)
    }

    /// Data sets start with a low group (0008 usually; 0001 seen in test files); text or random bytes rarely do.
    private static func plausibleFirstGroup(_ g: UInt16) -> Bool { g >= 0x0001 && g <= 0x0030 || g == 0x0040 || g == 0x0088 || g == 0x7FE0 }

    /// The encoding the first data-set element really uses (VR letters where a VR belongs, or not).
    private static func checkEncoding(_ c: Cursor, declared: Encoding) throws -> Encoding {
        guard c.remaining >= 8 else { return declared }
        try c.require(8, "first element")
        let hasVR = VR(bytes: c.byte(4), c.byte(5)) != nil
        if declared.explicitVR && !hasVR { return Encoding(explicitVR: false, bigEndian: declared.bigEndian) }
        if !declared.explicitVR && hasVR {
            // Implicit lengths that spell a VR would be ≥ 0x4141 bytes in the low half; check the tag is sane too.
            return Encoding(explicitVR: true, bigEndian: declared.bigEndian)
        }
        return declared
    }

    func frameLocations() throws -> [FrameLocation] {
        lock.lock()
        defer { lock.unlock() }
        if let f = cachedFrames { return f }
        let f = try FrameTable.locate(file: self)
        cachedFrames = f
        return f
    }

    func addWarning(_ w: String) {
        lock.lock()
        warnings.append(w)
        lock.unlock()
    }
}

// MARK: - Convenience header values

extension DICOMFile {
    /// Number of Frames, 1 when absent or unusable.
    public var numberOfFrames: Int {
        guard let n = dataSet.int(.numberOfFrames), n > 0 else { return 1 }
        return n
    }

    public var sopClassUID: String? { dataSet.string(.sopClassUID) ?? meta.string(.mediaStorageSOPClassUID) }
    public var studyDescription: String? { dataSet.string(.studyDescription) }
    /// Transducer Data (0018,5010), all its values.
    public var transducerData: [String] { dataSet.strings(.transducerData)?.filter { !$0.isEmpty } ?? [] }
    public var transducerType: String? { dataSet.string(.transducerType) }
    /// Burned In Annotation: true for "YES", false for "NO", nil when absent.
    public var burnedInAnnotation: Bool? {
        guard let s = dataSet.string(.burnedInAnnotation)?.uppercased() else { return nil }
        return s == "YES" ? true : (s == "NO" ? false : nil)
    }
    public var hasPixelData: Bool { pixelDataReference != nil }
}
