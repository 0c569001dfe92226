/// The Image Pixel module values that say how to read pixel data.
public struct PixelDescription: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var samplesPerPixel: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var isSigned: Bool
    /// 0: colour-by-pixel (RGBRGB...), 1: colour-by-plane (RRR...GGG...BBB...).
    public var planarConfiguration: Int
    public var photometricInterpretation: String
    public var numberOfFrames: Int
    /// Float Pixel Data / Double Float Pixel Data.
    public var isFloat: Bool

    /// Frames larger than this are refused, whatever the header says (a 4K × 4K RGB 16-bit frame is 96 MiB).
    public static let maximumFrameBytes = 512 << 20

    public init(
        rows: Int, columns: Int, samplesPerPixel: Int, bitsAllocated: Int, bitsStored: Int, isSigned: Bool,
        planarConfiguration: Int = 0, photometricInterpretation: String, numberOfFrames: Int = 1, isFloat: Bool = false
    ) {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored
        self.isSigned = isSigned
        self.planarConfiguration = planarConfiguration
        self.photometricInterpretation = photometricInterpretation
        self.numberOfFrames = numberOfFrames
        self.isFloat = isFloat
    }

    /// Reads and validates the module; every failure names the attribute.
    public init(_ ds: DataSet, transferSyntax: TransferSyntax) throws {
        func required(_ tag: Tag, _ name: String) throws -> Int {
            guard ds.contains(tag) else { throw DICOMError.missingAttribute(name) }
            guard let v = ds.int(tag) else { throw DICOMError.invalidAttribute(name, reason: "not an integer") }
            return v
        }
        rows = try required(.rows, "Rows")
        columns = try required(.columns, "Columns")
        bitsAllocated = try required(.bitsAllocated, "BitsAllocated")
        samplesPerPixel = ds.contains(.samplesPerPixel) ? try required(.samplesPerPixel, "SamplesPerPixel") : 1
        bitsStored = ds.int(.bitsStored) ?? bitsAllocated
        isSigned = (ds.int(.pixelRepresentation) ?? 0) == 1
        planarConfiguration = ds.int(.planarConfiguration) ?? 0
        isFloat = ds.contains(.floatPixelData) || ds.contains(.doubleFloatPixelData)
        photometricInterpretation = ds.string(.photometricInterpretation)?.uppercased() ?? (samplesPerPixel == 1 ? "MONOCHROME2" : "RGB")
        if ds.contains(.numberOfFrames) {
            guard let n = ds.int(.numberOfFrames) else { throw DICOMError.invalidAttribute("NumberOfFrames", reason: "not an integer") }
            numberOfFrames = max(1, n)
        } else {
            numberOfFrames = 1
        }
        guard rows > 0, rows <= 65535 else { throw DICOMError.invalidAttribute("Rows", reason: "\(rows)") }
        guard columns > 0, columns <= 65535 else { throw DICOMError.invalidAttribute("Columns", reason: "\(columns)") }
        guard [1, 8, 16, 32, 64].contains(bitsAllocated) else {
            throw DICOMError.invalidAttribute("BitsAllocated", reason: "\(bitsAllocated)")
        }
        guard samplesPerPixel == 1 || samplesPerPixel == 3 || samplesPerPixel == 4 else {
            throw DICOMError.invalidAttribute("SamplesPerPixel", reason: "\(samplesPerPixel)")
        }
        if bitsStored < 1 || bitsStored > bitsAllocated { bitsStored = bitsAllocated }
        guard numberOfFrames <= 1 << 20 else { throw DICOMError.invalidAttribute("NumberOfFrames", reason: "\(numberOfFrames)") }
        guard frameByteCount <= Self.maximumFrameBytes else {
            throw DICOMError.invalidAttribute(
                "Rows×Columns×SamplesPerPixel",
                reason: "a frame of \(frameByteCount) bytes exceeds the \(Self.maximumFrameBytes)-byte limit")
        }
        _ = transferSyntax
    }

    /// Bytes per sample in decoded output (1-bit data decodes to one byte per pixel).
    public var bytesPerSample: Int { max(1, bitsAllocated / 8) }
    public var pixelsPerFrame: Int { rows * columns }
    /// Bytes of one decoded frame.
    public var frameByteCount: Int { rows * columns * samplesPerPixel * bytesPerSample }
    public var isYBR422: Bool { photometricInterpretation == "YBR_FULL_422" }

    /// Bits of one frame as stored natively (YBR_FULL_422 keeps two samples a pixel).
    var nativeFrameBits: Int {
        let samples = isYBR422 && samplesPerPixel == 3 ? 2 : samplesPerPixel
        return rows * columns * samples * bitsAllocated
    }

    /// The element type of decoded values (pydicom's dtype).
    public var sampleType: SampleType {
        if isFloat { return bitsAllocated == 64 ? .float64 : .float32 }
        switch bitsAllocated {
        case 1: return .uint8
        case 8: return isSigned ? .int8 : .uint8
        case 16: return isSigned ? .int16 : .uint16
        case 32: return isSigned ? .int32 : .uint32
        default: return isSigned ? .int64 : .uint64
        }
    }
}

/// The element type of decoded pixel values.
public enum SampleType: String, Sendable {
    case uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64

    public var byteCount: Int {
        switch self {
        case .uint8, .int8: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        }
    }

    /// numpy's dtype string for .npy headers (little-endian).
    public var numpyDescr: String {
        switch self {
        case .uint8: return "|u1"
        case .int8: return "|i1"
        case .uint16: return "<u2"
        case .int16: return "<i2"
        case .uint32: return "<u4"
        case .int32: return "<i4"
        case .uint64: return "<u8"
        case .int64: return "<i8"
        case .float32: return "<f4"
        case .float64: return "<f8"
        }
    }
}

/// One decoded frame: stored values, rows × columns × samples, interleaved, little-endian.
public struct PixelFrame: Sendable {
    public var rows: Int
    public var columns: Int
    public var samplesPerPixel: Int
    public var sampleType: SampleType
    /// The photometric interpretation of `data` (YBR input comes out as "RGB").
    public var photometricInterpretation: String
    public var data: [UInt8]

    public init(rows: Int, columns: Int, samplesPerPixel: Int, sampleType: SampleType, photometricInterpretation: String, data: [UInt8]) {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.sampleType = sampleType
        self.photometricInterpretation = photometricInterpretation
        self.data = data
    }

    public var valueCount: Int { rows * columns * samplesPerPixel }

    /// The i-th value in row-major, sample-interleaved order.
    public func value(at i: Int) -> Double {
        let w = sampleType.byteCount, o = i * w
        var raw: UInt64 = 0
        for k in 0..<w { raw |= UInt64(data[o + k]) << (8 * UInt64(k)) }
        switch sampleType {
        case .uint8, .uint16, .uint32, .uint64: return Double(raw)
        case .int8: return Double(Int8(truncatingIfNeeded: raw))
        case .int16: return Double(Int16(truncatingIfNeeded: raw))
        case .int32: return Double(Int32(truncatingIfNeeded: raw))
        case .int64: return Double(Int64(bitPattern: raw))
        case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
        case .float64: return Double(bitPattern: raw)
        }
    }

    /// All values as Float, with a typed loop per sample type.
    public func floatValues() -> [Float] {
        let n = valueCount
        var out = [Float](repeating: 0, count: n)
        data.withUnsafeBytes { raw in
            func fill<T: FixedWidthInteger>(_: T.Type) {
                for i in 0..<n { out[i] = Float(T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))) }
            }
            switch sampleType {
            case .uint8: for i in 0..<n { out[i] = Float(raw[i]) }
            case .int8: for i in 0..<n { out[i] = Float(Int8(bitPattern: raw[i])) }
            case .uint16: fill(UInt16.self)
            case .int16: fill(Int16.self)
            case .uint32: fill(UInt32.self)
            case .int32: fill(Int32.self)
            case .uint64: fill(UInt64.self)
            case .int64: fill(Int64.self)
            case .float32:
                for i in 0..<n {
                    out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            case .float64:
                for i in 0..<n {
                    out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                }
            }
        }
        return out
    }

    /// All values as Double (convenient for tests and statistics, not for speed).
    public func doubleValues() -> [Double] { (0..<valueCount).map(value(at:)) }
}
