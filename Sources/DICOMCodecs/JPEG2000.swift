// JPEG 2000 (ISO/IEC 15444-1) and High-Throughput JPEG 2000 (15444-15) through openjpeg, fed
// from memory. openjpeg reports failures through callbacks and return values; both are turned
// into CodecError here.
import COpenJPEG

// openjpeg's handles are `void *` typedefs, so its API passes pointers to them.
typealias OPJCodec = UnsafeMutablePointer<opj_codec_t?>
typealias OPJStream = UnsafeMutablePointer<opj_stream_t?>

/// The multiple-component transform a JPEG 2000 stream applies to its first three components.
public enum JPEG2000ComponentTransform: Sendable, Equatable {
    case none
    /// Reversible colour transform (5/3 wavelet): DICOM YBR_RCT.
    case reversible
    /// Irreversible colour transform (9/7 wavelet): DICOM YBR_ICT.
    case irreversible
}

/// What a JPEG 2000 stream's main header says.
public struct JPEG2000StreamInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var components: Int
    /// Bit depth of each component.
    public var precision: [Int]
    /// Whether each component is signed.
    public var isSigned: [Bool]
    /// The transform openjpeg inverts while decoding: after `decode`, RCT/ICT data is RGB.
    public var componentTransform: JPEG2000ComponentTransform
    /// The 5/3 wavelet (reversible, able to be lossless) rather than 9/7.
    public var isReversible: Bool
    /// Wrapped in a JP2 file rather than a bare codestream.
    public var isJP2: Bool
    /// High-throughput block coding (Rsiz bit 14, HTJ2K).
    public var isHighThroughput: Bool
}

public enum JPEG2000 {
    /// Output samples per input byte we accept above the 16 MiB floor. JPEG 2000 has no hard
    /// bound (empty code-blocks cost nothing); medical images are far below this.
    static let maxSamplesPerByte = 1 << 16

    /// Reads the main header without decoding any tile.
    public static func info(_ stream: [UInt8]) throws -> JPEG2000StreamInfo {
        try withHeader(stream) { _, _, _, info in info }
    }

    /// Decodes a JPEG 2000 codestream or JP2 file. Samples are interleaved by pixel; precision
    /// above 8 bits takes two little-endian bytes (two's complement when signed). RCT/ICT is
    /// inverted, so three-component output is RGB (see `info(_:).componentTransform`).
    public static func decode(_ stream: [UInt8]) throws -> CodecImage {
        try withHeader(stream) { codec, source, image, info in
            guard info.components <= 4 else { throw CodecError.unsupported("JPEG 2000: \(info.components) components") }
            let maxPrecision = info.precision.max() ?? 0
            guard maxPrecision <= 16, (info.precision.min() ?? 0) >= 1 else {
                throw CodecError.unsupported("JPEG 2000: \(maxPrecision)-bit components")
            }
            let bytesPerSample = maxPrecision > 8 ? 2 : 1
            try DecodeBudget.check(
                width: info.width, height: info.height, components: info.components,
                bytesPerSample: bytesPerSample, streamCount: stream.count,
                maxSamplesPerByte: maxSamplesPerByte, codec: "JPEG 2000")
            guard opj_decode(codec, source.stream, image) != 0, opj_end_decompress(codec, source.stream) != 0 else {
                throw CodecError.corrupt("JPEG 2000: \(source.log.summary(default: "decoding failed"))")
            }
            if let warning = source.log.truncation {
                throw CodecError.corrupt("JPEG 2000: \(warning)")
            }
            return try samples(of: image.pointee, info: info, bytesPerSample: bytesPerSample)
        }
    }

    private static func samples(of image: opj_image_t, info: JPEG2000StreamInfo, bytesPerSample: Int) throws -> CodecImage {
        let n = info.components, w = info.width, h = info.height
        guard let comps = image.comps else { throw CodecError.library("JPEG 2000: no components after decoding") }
        var out = [UInt8](repeating: 0, count: w * h * n * bytesPerSample)
        let signed = info.isSigned.contains(true)
        try out.withUnsafeMutableBufferPointer { dst in
            for c in 0..<n {
                let comp = comps[c]
                guard let data = comp.data, comp.w == UInt32(w), comp.h == UInt32(h) else {
                    throw CodecError.unsupported("JPEG 2000: component \(c) is \(comp.w)x\(comp.h) (subsampled), image is \(w)x\(h)")
                }
                // Clamp to the component's range: a damaged stream can overshoot it.
                let prec = Int32(comp.prec)
                let low: Int32 = comp.sgnd != 0 ? -(1 << (prec - 1)) : 0
                let high: Int32 = comp.sgnd != 0 ? (1 << (prec - 1)) - 1 : (1 << prec) - 1
                for i in 0..<(w * h) {
                    let v = min(max(data[i], low), high)
                    if bytesPerSample == 1 {
                        dst[i * n + c] = UInt8(truncatingIfNeeded: v)
                    } else {
                        dst[2 * (i * n + c)] = UInt8(truncatingIfNeeded: v)
                        dst[2 * (i * n + c) + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    }
                }
            }
        }
        return CodecImage(
            width: w, height: h, components: n, bitsPerSample: info.precision.max() ?? 8,
            bytesPerSample: bytesPerSample, isSigned: signed, data: out,
            colorSpace: n == 1 ? .gray : .rgb)
    }

    /// Sets up an openjpeg decoder over `stream`, reads the main header, and runs `body`.
    private static func withHeader<T>(
        _ stream: [UInt8],
        _ body: (OPJCodec, MemorySource, UnsafeMutablePointer<opj_image_t>, JPEG2000StreamInfo) throws -> T
    ) throws -> T {
        let isJP2 = stream.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20])
        // DICOM's colour model comes from the data set, so a JP2 wrapper (which some writers add
        // against the standard) contributes nothing but its codestream box; palette, channel
        // definition and ICC boxes are deliberately not applied.
        let codestream = isJP2 ? try jp2Codestream(stream) : stream
        guard codestream.starts(with: [0xFF, 0x4F, 0xFF, 0x51]) else {
            throw CodecError.corrupt("JPEG 2000: neither a codestream (FF4F FF51) nor a JP2 file")
        }
        let siz = try sizMarker(codestream)
        return try codestream.withUnsafeBytes { bytes in
            let source = try MemorySource(bytes)
            guard let codec = opj_create_decompress(OPJ_CODEC_J2K) else {
                throw CodecError.library("JPEG 2000: cannot create an openjpeg decoder")
            }
            defer { opj_destroy_codec(codec) }
            source.log.install(on: codec)
            var parameters = opj_dparameters_t()
            opj_set_default_decoder_parameters(&parameters)
            guard opj_setup_decoder(codec, &parameters) != 0 else { throw CodecError.library("JPEG 2000: decoder setup failed") }
            var imagePointer: UnsafeMutablePointer<opj_image_t>?
            guard opj_read_header(source.stream, codec, &imagePointer) != 0, let image = imagePointer else {
                if let imagePointer { opj_image_destroy(imagePointer) }
                throw CodecError.corrupt("JPEG 2000: \(source.log.summary(default: "cannot read the main header"))")
            }
            defer { opj_image_destroy(image) }
            let info = try describe(image.pointee, codec: codec, isJP2: isJP2, rsiz: siz)
            return try body(codec, source, image, info)
        }
    }

    private static func describe(_ image: opj_image_t, codec: OPJCodec, isJP2: Bool, rsiz: Int?) throws -> JPEG2000StreamInfo {
        guard image.x1 > image.x0, image.y1 > image.y0, image.numcomps > 0, let comps = image.comps else {
            throw CodecError.corrupt("JPEG 2000: empty image in the main header")
        }
        let n = Int(image.numcomps)
        var transform = JPEG2000ComponentTransform.none
        var reversible = false
        var cstr: UnsafeMutablePointer<opj_codestream_info_v2_t>? = opj_get_cstr_info(codec)
        if let tile = cstr?.pointee.m_default_tile_info {
            reversible = tile.tccp_info.map { $0.pointee.qmfbid == 1 } ?? false
            if tile.mct != 0 && n >= 3 { transform = reversible ? .reversible : .irreversible }
        }
        if cstr != nil { opj_destroy_cstr_info(&cstr) }
        return JPEG2000StreamInfo(
            width: Int(image.x1 - image.x0), height: Int(image.y1 - image.y0), components: n,
            precision: (0..<n).map { Int(comps[$0].prec) }, isSigned: (0..<n).map { comps[$0].sgnd != 0 },
            componentTransform: transform, isReversible: reversible, isJP2: isJP2,
            isHighThroughput: rsiz.map { $0 & 0x4000 != 0 } ?? false)
    }

    /// The contents of the first contiguous codestream ('jp2c') box of a JP2 file.
    static func jp2Codestream(_ file: [UInt8]) throws -> [UInt8] {
        var p = 0
        while p + 8 <= file.count {
            var length = Int(file[p]) << 24 | Int(file[p + 1]) << 16 | Int(file[p + 2]) << 8 | Int(file[p + 3])
            let type = Array(file[(p + 4)..<(p + 8)])
            var header = 8
            if length == 1 {
                guard p + 16 <= file.count else { break }
                length = 0
                for i in 8..<16 {
                    guard length < Int.max >> 9 else { throw CodecError.corrupt("JPEG 2000: JP2 box length overflows") }
                    length = length << 8 | Int(file[p + i])
                }
                header = 16
            } else if length == 0 {
                length = file.count - p
            }
            guard length >= header, length <= file.count - p else {
                throw CodecError.corrupt("JPEG 2000: JP2 box at offset \(p) has length \(length) past the end")
            }
            if type == Array("jp2c".utf8) { return Array(file[(p + header)..<(p + length)]) }
            p += length
        }
        throw CodecError.corrupt("JPEG 2000: JP2 file without a codestream box")
    }

    /// Rsiz from the SIZ marker that must follow SOC in a codestream.
    private static func sizMarker(_ stream: [UInt8]) throws -> Int {
        guard stream.count >= 8 else { throw CodecError.corrupt("JPEG 2000: codestream shorter than its SIZ marker") }
        return Int(stream[6]) << 8 | Int(stream[7])
    }
}

/// Collects openjpeg's error and warning messages for one decode.
final class OpenJPEGLog {
    var errors: [String] = []
    var warnings: [String] = []

    func install(on codec: OPJCodec) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        opj_set_error_handler(
            codec,
            { message, user in
                guard let user, let message else { return }
                Unmanaged<OpenJPEGLog>.fromOpaque(user).takeUnretainedValue().errors.append(String(cString: message).trimmed)
            }, me)
        opj_set_warning_handler(
            codec,
            { message, user in
                guard let user, let message else { return }
                Unmanaged<OpenJPEGLog>.fromOpaque(user).takeUnretainedValue().warnings.append(String(cString: message).trimmed)
            }, me)
        opj_set_info_handler(codec, { _, _ in }, nil)
    }

    func summary(default text: String) -> String {
        errors.isEmpty ? text : errors.prefix(3).joined(separator: "; ")
    }

    /// openjpeg decodes a truncated codestream as far as it goes and only warns; for medical
    /// images a silently partial frame is worse than an error.
    var truncation: String? {
        warnings.first { w in
            let lower = w.lowercased()
            return lower.contains("truncat") || lower.contains("stream too short") || lower.contains("not enough data")
                || lower.contains("end of stream") || lower.contains("eoc")
        }
    }
}

extension String {
    fileprivate var trimmed: String {
        var s = self
        while let last = s.last, last.isNewline || last == " " { s.removeLast() }
        return s
    }
}

/// An openjpeg input stream reading from memory that outlives it.
final class MemorySource {
    let base: UnsafeRawPointer
    let count: Int
    var offset = 0
    let log = OpenJPEGLog()
    private(set) var stream: OPJStream

    init(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, let stream = opj_stream_create(64 * 1024, 1) else {
            throw CodecError.library("JPEG 2000: cannot create an openjpeg stream")
        }
        self.base = base
        count = bytes.count
        self.stream = stream
        opj_stream_set_user_data(stream, Unmanaged.passUnretained(self).toOpaque(), nil)
        opj_stream_set_user_data_length(stream, UInt64(count))
        // OPJ_SIZE_T is size_t, which Swift imports as Int: openjpeg's end-of-stream value
        // (OPJ_SIZE_T)-1 is therefore -1 here, not OPJ_SIZE_T.max (Int.max reads as a
        // gigantic successful read and corrupts openjpeg's stream state).
        opj_stream_set_read_function(stream) { buffer, size, user in
            guard let buffer, let user else { return -1 }
            let me = Unmanaged<MemorySource>.fromOpaque(user).takeUnretainedValue()
            let n = min(Int(size), me.count - me.offset)
            guard n > 0 else { return -1 }
            buffer.copyMemory(from: me.base + me.offset, byteCount: n)
            me.offset += n
            return OPJ_SIZE_T(n)
        }
        opj_stream_set_skip_function(stream) { delta, user in
            guard let user else { return -1 }
            let me = Unmanaged<MemorySource>.fromOpaque(user).takeUnretainedValue()
            let target = min(max(me.offset + Int(delta), 0), me.count)
            let moved = target - me.offset
            me.offset = target
            return OPJ_OFF_T(moved)
        }
        opj_stream_set_seek_function(stream) { position, user in
            guard let user else { return 0 }
            let me = Unmanaged<MemorySource>.fromOpaque(user).takeUnretainedValue()
            guard position >= 0, Int(position) <= me.count else { return 0 }
            me.offset = Int(position)
            return 1
        }
    }

    deinit { opj_stream_destroy(stream) }
}
