// Marker-level parsing of JPEG (ITU-T T.81) streams: enough to describe a stream without
// decoding it, and to hand the Swift decoders their tables and headers.

/// The coding process a JPEG stream declares in its SOF marker.
public enum JPEGProcess: Sendable, Equatable {
    /// SOF0: 8-bit sequential DCT, Huffman (DICOM process 1).
    case baseline
    /// SOF1 / SOF9: extended sequential DCT, 8 or 12 bit (DICOM processes 2 and 4).
    case extended
    /// SOF2 / SOF10: progressive DCT.
    case progressive
    /// SOF3 / SOF11: lossless, predictive (DICOM process 14).
    case lossless
}

/// The colour model of a three-component JPEG stream's stored samples.
public enum JPEGColorModel: Sendable, Equatable {
    case ycbcr
    case rgb
}

/// What a JPEG stream's markers say, read without decoding any entropy-coded data.
public struct JPEGStreamInfo: Sendable, Equatable {
    public var process: JPEGProcess
    /// Sample precision P from the SOF marker.
    public var precision: Int
    public var width: Int
    public var height: Int
    public var components: Int
    /// Component identifiers in SOF order (1,2,3 for JFIF; 'R','G','B' for untransformed RGB).
    public var componentIDs: [UInt8]
    /// Horizontal sampling factor per component, in SOF order.
    public var horizontalSampling: [Int]
    /// Vertical sampling factor per component, in SOF order.
    public var verticalSampling: [Int]
    /// An APP0 "JFIF" segment precedes the frame (JFIF implies YCbCr for 3 components).
    public var hasJFIF: Bool
    /// The transform flag of an APP14 "Adobe" segment: 0 = none (RGB), 1 = YCbCr, 2 = YCCK.
    public var adobeTransform: Int?
    /// Predictor selection value (Ss of the first scan) for lossless streams, 1...7.
    public var losslessPredictor: Int?
    /// Arithmetic coding (SOF9-SOF11) rather than Huffman.
    public var isArithmetic: Bool

    /// The colour model the markers state outright: JFIF or Adobe transform 1 say YCbCr, Adobe
    /// transform 0 or component ids 'R','G','B' say RGB; anything else (ids 1,2,3 or 0,1,2 and no
    /// marker) is `nil` — libjpeg then guesses YCbCr, but DICOM writers also emit such streams
    /// for untransformed RGB, so the Photometric Interpretation should decide.
    public var statedColorModel: JPEGColorModel? {
        guard components == 3 else { return nil }
        if hasJFIF { return .ycbcr }
        if let transform = adobeTransform { return transform == 0 ? .rgb : .ycbcr }
        return componentIDs == [0x52, 0x47, 0x42] ? .rgb : nil
    }

    /// Whether libjpeg would treat the three stored components as YCbCr and convert them to RGB:
    /// JFIF wins, then the Adobe transform flag, then component ids ('R','G','B' means RGB).
    public var isYCbCrPerLibjpeg: Bool {
        guard components == 3 else { return false }
        if hasJFIF { return true }
        if let transform = adobeTransform { return transform != 0 }
        return componentIDs != [0x52, 0x47, 0x42]
    }
}

/// One marker segment: its code (the byte after 0xFF) and where its payload lies in the stream.
struct JPEGSegment {
    var marker: UInt8
    /// Offset of the 0xFF that starts the marker.
    var start: Int
    /// Payload range (after the two length bytes); empty for standalone markers.
    var payload: Range<Int>
    var end: Int { payload.upperBound }
}

enum JPEGMarker {
    static let soi: UInt8 = 0xD8, eoi: UInt8 = 0xD9, sos: UInt8 = 0xDA, dht: UInt8 = 0xC4
    static let dqt: UInt8 = 0xDB, dri: UInt8 = 0xDD, dnl: UInt8 = 0xDC, app0: UInt8 = 0xE0, app14: UInt8 = 0xEE
    static let dac: UInt8 = 0xCC

    static func isSOF(_ m: UInt8) -> Bool { (0xC0...0xCF).contains(m) && m != dht && m != 0xC8 && m != dac }
    static func isRST(_ m: UInt8) -> Bool { (0xD0...0xD7).contains(m) }
    /// Markers without a length field.
    static func isStandalone(_ m: UInt8) -> Bool { isRST(m) || m == soi || m == eoi || m == 0x01 }
}

/// Reads marker segments in order. Between segments it skips fill bytes (0xFF runs); it does
/// not skip entropy-coded data — callers that decode scans position it past them.
struct JPEGSegmentReader {
    let bytes: [UInt8]
    var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Expects SOI at the current offset.
    mutating func readSOI() throws {
        guard bytes.count >= 2, bytes[offset] == 0xFF, bytes[offset + 1] == JPEGMarker.soi else {
            throw CodecError.corrupt("JPEG: stream does not start with an SOI marker")
        }
        offset += 2
    }

    mutating func next() throws -> JPEGSegment {
        guard offset < bytes.count, bytes[offset] == 0xFF else {
            throw CodecError.corrupt("JPEG: expected a marker at offset \(offset)")
        }
        var p = offset
        while p < bytes.count, bytes[p] == 0xFF { p += 1 }
        guard p < bytes.count else { throw CodecError.corrupt("JPEG: stream ends inside a marker") }
        let marker = bytes[p]
        guard marker != 0 else { throw CodecError.corrupt("JPEG: stuffed zero where a marker was expected at offset \(p)") }
        let start = p - 1
        p += 1
        if JPEGMarker.isStandalone(marker) {
            offset = p
            return JPEGSegment(marker: marker, start: start, payload: p..<p)
        }
        guard p + 2 <= bytes.count else { throw CodecError.corrupt("JPEG: stream ends inside the length of marker 0xFF\(hex(marker))") }
        let length = Int(bytes[p]) << 8 | Int(bytes[p + 1])
        guard length >= 2, p + length <= bytes.count else {
            throw CodecError.corrupt("JPEG: marker 0xFF\(hex(marker)) at offset \(start) has length \(length) past the end of the stream")
        }
        offset = p + length
        return JPEGSegment(marker: marker, start: start, payload: (p + 2)..<(p + length))
    }

    /// Skips entropy-coded data (which may contain stuffed 0xFF00 and RST markers) up to the
    /// next real marker.
    mutating func skipEntropyCodedData() {
        var p = offset
        while p + 1 < bytes.count {
            if bytes[p] == 0xFF {
                let m = bytes[p + 1]
                if m != 0 && !JPEGMarker.isRST(m) && m != 0xFF { break }
            }
            p += 1
        }
        offset = min(p, bytes.count)
    }
}

func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}

/// The frame header (SOF) in full.
struct JPEGFrameHeader {
    struct Component {
        var id: UInt8
        var h: Int
        var v: Int
        var quantTable: Int
    }
    var marker: UInt8
    var precision: Int
    var height: Int
    var width: Int
    var components: [Component]

    init(segment: JPEGSegment, in bytes: [UInt8]) throws {
        let p = segment.payload
        guard p.count >= 6 else { throw CodecError.corrupt("JPEG: SOF segment too short") }
        marker = segment.marker
        precision = Int(bytes[p.lowerBound])
        height = Int(bytes[p.lowerBound + 1]) << 8 | Int(bytes[p.lowerBound + 2])
        width = Int(bytes[p.lowerBound + 3]) << 8 | Int(bytes[p.lowerBound + 4])
        let count = Int(bytes[p.lowerBound + 5])
        guard count >= 1, p.count >= 6 + 3 * count else {
            throw CodecError.corrupt("JPEG: SOF declares \(count) components in \(p.count) bytes")
        }
        components = (0..<count).map { i in
            let c = p.lowerBound + 6 + 3 * i
            return Component(id: bytes[c], h: Int(bytes[c + 1] >> 4), v: Int(bytes[c + 1] & 15), quantTable: Int(bytes[c + 2]))
        }
        guard (2...16).contains(precision) else { throw CodecError.corrupt("JPEG: sample precision \(precision)") }
        guard width > 0 else { throw CodecError.corrupt("JPEG: frame width is zero") }
        // A zero height defers to a DNL marker, which DICOM encoders do not write.
        guard height > 0 else { throw CodecError.unsupported("JPEG: frame height 0 (DNL marker) is not supported") }
        for c in components where !(1...4).contains(c.h) || !(1...4).contains(c.v) {
            throw CodecError.corrupt("JPEG: component \(c.id) has sampling factors \(c.h)x\(c.v)")
        }
    }
}

/// A scan header (SOS).
struct JPEGScanHeader {
    struct Component {
        var id: UInt8
        var dcTable: Int
        var acTable: Int
    }
    var components: [Component]
    var ss: Int
    var se: Int
    var ah: Int
    var al: Int

    init(segment: JPEGSegment, in bytes: [UInt8]) throws {
        let p = segment.payload
        guard p.count >= 1 else { throw CodecError.corrupt("JPEG: SOS segment is empty") }
        let count = Int(bytes[p.lowerBound])
        guard (1...4).contains(count), p.count >= 1 + 2 * count + 3 else {
            throw CodecError.corrupt("JPEG: SOS declares \(count) components in \(p.count) bytes")
        }
        components = (0..<count).map { i in
            let c = p.lowerBound + 1 + 2 * i
            return Component(id: bytes[c], dcTable: Int(bytes[c + 1] >> 4), acTable: Int(bytes[c + 1] & 15))
        }
        let tail = p.lowerBound + 1 + 2 * count
        ss = Int(bytes[tail])
        se = Int(bytes[tail + 1])
        ah = Int(bytes[tail + 2] >> 4)
        al = Int(bytes[tail + 2] & 15)
    }
}

extension JPEG {
    /// Reads the markers up to the first scan header and describes the stream. No entropy-coded
    /// data is decoded.
    public static func info(_ stream: [UInt8]) throws -> JPEGStreamInfo {
        var reader = JPEGSegmentReader(stream)
        try reader.readSOI()
        var frame: JPEGFrameHeader?
        var hasJFIF = false
        var adobe: Int?
        while true {
            let segment = try reader.next()
            let m = segment.marker
            if m == JPEGMarker.app0, payloadStarts(with: Array("JFIF".utf8) + [0], segment, stream) {
                hasJFIF = true
            } else if m == JPEGMarker.app14, segment.payload.count >= 12,
                payloadStarts(with: Array("Adobe".utf8), segment, stream)
            {
                adobe = Int(stream[segment.payload.lowerBound + 11])
            } else if JPEGMarker.isSOF(m) {
                guard frame == nil else { throw CodecError.corrupt("JPEG: more than one SOF marker") }
                frame = try JPEGFrameHeader(segment: segment, in: stream)
            } else if m == JPEGMarker.sos {
                guard let frame else { throw CodecError.corrupt("JPEG: scan (SOS) before any frame header (SOF)") }
                let scan = try JPEGScanHeader(segment: segment, in: stream)
                return try describe(frame, firstScan: scan, hasJFIF: hasJFIF, adobe: adobe)
            } else if m == JPEGMarker.eoi {
                throw CodecError.corrupt("JPEG: end of image before any scan")
            }
        }
    }

    static func describe(_ frame: JPEGFrameHeader, firstScan: JPEGScanHeader, hasJFIF: Bool, adobe: Int?) throws -> JPEGStreamInfo {
        let process: JPEGProcess
        switch frame.marker {
        case 0xC0: process = .baseline
        case 0xC1, 0xC9: process = .extended
        case 0xC2, 0xCA: process = .progressive
        case 0xC3, 0xCB: process = .lossless
        default:
            throw CodecError.unsupported("JPEG: hierarchical (differential) process, marker 0xFF\(hex(frame.marker))")
        }
        return JPEGStreamInfo(
            process: process, precision: frame.precision, width: frame.width, height: frame.height,
            components: frame.components.count, componentIDs: frame.components.map(\.id),
            horizontalSampling: frame.components.map(\.h), verticalSampling: frame.components.map(\.v),
            hasJFIF: hasJFIF, adobeTransform: adobe,
            losslessPredictor: process == .lossless ? firstScan.ss : nil,
            isArithmetic: frame.marker >= 0xC9)
    }

    static func payloadStarts(with prefix: [UInt8], _ segment: JPEGSegment, _ bytes: [UInt8]) -> Bool {
        guard segment.payload.count >= prefix.count else { return false }
        return Array(bytes[segment.payload.lowerBound..<(segment.payload.lowerBound + prefix.count)]) == prefix
    }
}
