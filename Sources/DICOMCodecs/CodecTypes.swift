// Types shared by every codec in this module: the decoded image and the error taxonomy.

/// Why a codec refused a stream. Every decoder in this module reports failures through this
/// type; none of them traps or exits on malformed input.
public enum CodecError: Error, Equatable, Sendable {
    /// The stream is malformed or truncated.
    case corrupt(String)
    /// The stream is valid but uses a feature this build cannot decode.
    case unsupported(String)
    /// The underlying C library failed for a reason it did not attribute to the data.
    case library(String)
}

extension CodecError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .corrupt(let why): return "corrupt stream: \(why)"
        case .unsupported(let why): return "unsupported stream: \(why)"
        case .library(let why): return "codec library error: \(why)"
        }
    }
}

/// What the samples of a decoded image represent.
public enum CodecColorSpace: Sendable, Equatable {
    case gray
    /// Red, green, blue — or, for codecs without a colour model, the components as stored.
    case rgb
    /// Full-range YCbCr (DICOM YBR_FULL) at full resolution.
    case ybrFull
}

/// A decoded frame: samples interleaved by pixel (`R G B R G B ...`), rows top to bottom.
/// Samples wider than 8 bits take two bytes, little-endian; signed samples are two's complement.
public struct CodecImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var components: Int
    /// Precision of the samples in the stream (8, 12, 16, ...).
    public var bitsPerSample: Int
    /// Storage per sample in `data`: 1 or 2.
    public var bytesPerSample: Int
    public var isSigned: Bool
    public var data: [UInt8]
    /// What `data` holds now.
    public var colorSpace: CodecColorSpace

    public init(
        width: Int, height: Int, components: Int, bitsPerSample: Int, bytesPerSample: Int,
        isSigned: Bool, data: [UInt8], colorSpace: CodecColorSpace
    ) {
        self.width = width
        self.height = height
        self.components = components
        self.bitsPerSample = bitsPerSample
        self.bytesPerSample = bytesPerSample
        self.isSigned = isSigned
        self.data = data
        self.colorSpace = colorSpace
    }

    /// Sample `component` of pixel (`x`, `y`) as an integer (sign-extended when signed).
    public func sample(x: Int, y: Int, component: Int = 0) -> Int {
        let index = (y * width + x) * components + component
        if bytesPerSample == 1 {
            let value = data[index]
            return isSigned ? Int(Int8(bitPattern: value)) : Int(value)
        }
        let value = UInt16(data[2 * index]) | UInt16(data[2 * index + 1]) << 8
        return isSigned ? Int(Int16(bitPattern: value)) : Int(value)
    }
}

/// Limits that keep a hostile header from making a decoder allocate more than the stream can
/// plausibly describe.
enum DecodeBudget {
    /// No single decoded frame may exceed this many bytes (1 GiB), whatever the stream says.
    static let maxDecodedBytes = 1 << 30
    /// Below this many decoded bytes (16 MiB) the stream-size ratio is not enforced: highly
    /// compressible content (blank frames) is legitimate and this much memory is harmless.
    static let ratioFreeBytes = 16 << 20

    /// Throws unless a `width`×`height`×`components` image of `bytesPerSample`-byte samples is
    /// within the absolute cap and within `maxSamplesPerByte` × the stream length.
    static func check(
        width: Int, height: Int, components: Int, bytesPerSample: Int,
        streamCount: Int, maxSamplesPerByte: Int, codec: String
    ) throws {
        guard width > 0, height > 0, components > 0 else {
            throw CodecError.corrupt("\(codec): empty image \(width)x\(height)x\(components)")
        }
        let (pixels, o1) = width.multipliedReportingOverflow(by: height)
        let (samples, o2) = pixels.multipliedReportingOverflow(by: components)
        let (bytes, o3) = samples.multipliedReportingOverflow(by: bytesPerSample)
        guard !o1, !o2, !o3, bytes <= maxDecodedBytes else {
            throw CodecError.corrupt("\(codec): \(width)x\(height)x\(components) image exceeds the 1 GiB decode limit")
        }
        if bytes > ratioFreeBytes, samples / max(streamCount, 1) > maxSamplesPerByte {
            throw CodecError.corrupt("\(codec): \(width)x\(height)x\(components) image cannot be described by a \(streamCount)-byte stream")
        }
    }
}
