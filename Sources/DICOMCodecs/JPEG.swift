// JPEG (ITU-T T.81) entry points. 8-bit DCT streams go to libjpeg-turbo through its TurboJPEG
// API, which reports errors as return values (libjpeg's default handler would call exit()).
// Lossless (process 14) and 12-bit DCT streams are decoded in Swift: Debian's libjpeg-turbo 2.1
// is built for 8-bit DCT only.
import CTurboJPEG

/// How `JPEG.decode` treats three-component streams.
public enum JPEGColorOutput: Sendable, Equatable {
    /// Convert YCbCr to RGB exactly when libjpeg would (see `JPEGStreamInfo.isYCbCrPerLibjpeg`).
    case rgb
    /// Return the stored components untouched (upsampled to full resolution).
    case native
}

/// Chroma subsampling for `JPEG.encodeBaseline`.
public enum JPEGSubsampling: Sendable, Equatable {
    /// Full-resolution YCbCr (DICOM YBR_FULL).
    case s444
    /// Chroma halved horizontally (DICOM YBR_FULL_422).
    case s422
    /// One component.
    case gray
}

public enum JPEG {
    /// Decodes one JPEG stream (one DICOM frame).
    ///
    /// - Lossless (SOF3) streams go to `JPEGLossless`; their components are returned as stored.
    /// - 12-bit DCT streams are decoded in Swift (`JPEGDCTDecoder`), 8-bit ones by libjpeg-turbo.
    /// - With `.rgb`, a three-component stream is converted from YCbCr to RGB when libjpeg would;
    ///   `colorSpace` of the result says what the samples hold.
    public static func decode(_ stream: [UInt8], colorTransform: JPEGColorOutput) throws -> CodecImage {
        let info = try info(stream)
        if info.isArithmetic {
            throw CodecError.unsupported("JPEG: arithmetic-coded streams are not supported")
        }
        if info.process == .lossless {
            return try JPEGLossless.decode(stream)
        }
        guard info.components == 1 || info.components == 3 else {
            throw CodecError.unsupported("JPEG: \(info.components)-component DCT streams are not supported")
        }
        try DecodeBudget.check(
            width: info.width, height: info.height, components: info.components,
            bytesPerSample: info.precision > 8 ? 2 : 1, streamCount: stream.count,
            maxSamplesPerByte: TurboJPEGDecoder.maxSamplesPerByte, codec: "JPEG")
        if info.precision != 8 {
            guard info.precision == 12 else {
                throw CodecError.corrupt("JPEG: DCT stream with \(info.precision)-bit precision (8 or 12 allowed)")
            }
            return try JPEGDCTDecoder.decode(stream, colorTransform: colorTransform)
        }
        return try TurboJPEGDecoder.decode(stream, info: info, colorTransform: colorTransform)
    }

    /// Encodes 8-bit samples as a baseline JPEG (SOF0, Huffman, JFIF/YCbCr for colour).
    ///
    /// `pixels` holds `width`×`height`×`components` bytes, interleaved; colour input is RGB.
    /// `quality` is libjpeg's 1...100 scale.
    public static func encodeBaseline(
        _ pixels: [UInt8], width: Int, height: Int, components: Int,
        quality: Int, subsampling: JPEGSubsampling
    ) throws -> [UInt8] {
        guard (1...65_535).contains(width), (1...65_535).contains(height) else {
            throw CodecError.unsupported("JPEG encode: \(width)x\(height) is outside 1...65535")
        }
        guard (1...100).contains(quality) else {
            throw CodecError.unsupported("JPEG encode: quality \(quality) is outside 1...100")
        }
        let format: TJPF
        let tjSubsampling: TJSAMP
        switch (components, subsampling) {
        case (1, .gray): format = TJPF_GRAY; tjSubsampling = TJSAMP_GRAY
        case (3, .s444): format = TJPF_RGB; tjSubsampling = TJSAMP_444
        case (3, .s422): format = TJPF_RGB; tjSubsampling = TJSAMP_422
        default:
            throw CodecError.unsupported("JPEG encode: \(components) components with \(subsampling) subsampling")
        }
        guard pixels.count == width * height * components else {
            throw CodecError.corrupt("JPEG encode: \(pixels.count) bytes for a \(width)x\(height)x\(components) image")
        }
        guard let handle = tjInitCompress() else { throw CodecError.library("tjInitCompress failed") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = pixels.withUnsafeBufferPointer { src in
            tjCompress2(
                handle, src.baseAddress, Int32(width), 0, Int32(height), Int32(format.rawValue),
                &output, &size, Int32(tjSubsampling.rawValue), Int32(quality), 0)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            throw CodecError.library("JPEG encode: \(TurboJPEGDecoder.message(handle))")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}

/// 8-bit DCT decoding through libjpeg-turbo's TurboJPEG API.
enum TurboJPEGDecoder {
    /// Output samples per input byte a sequential or progressive DCT stream can describe: each
    /// 8×8 block of the largest component costs at least one bit in its first scan, and the
    /// output carries every component at full resolution.
    static let maxSamplesPerByte = 8 * 64 * 4

    /// `info` must describe `stream` and have passed `DecodeBudget.check`.
    static func decode(_ stream: [UInt8], info: JPEGStreamInfo, colorTransform: JPEGColorOutput) throws -> CodecImage {
        let storedIsYCbCr = info.isYCbCrPerLibjpeg
        // libjpeg converts whenever it believes the stream is YCbCr; to keep the stored
        // components it must believe they are RGB, which an Adobe marker with transform 0 says.
        let input = (colorTransform == .native && storedIsYCbCr) ? try markedAsUntransformed(stream) : stream
        let format = info.components == 1 ? TJPF_GRAY : TJPF_RGB
        guard let handle = tjInitDecompress() else { throw CodecError.library("tjInitDecompress failed") }
        defer { tjDestroy(handle) }
        var output = [UInt8](repeating: 0, count: info.width * info.height * info.components)
        let status = input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(
                    handle, src.baseAddress, UInt(src.count), dst.baseAddress,
                    Int32(info.width), 0, Int32(info.height), Int32(format.rawValue), 0)
            }
        }
        if status != 0 {
            let text = message(handle)
            // A warning leaves an image behind, but most warnings mean damaged data. Two are
            // harmless: junk between markers, and sequential scans with wrong Ss/Se (which the
            // sequential process ignores; the Swift 12-bit decoder tolerates them too).
            let harmless =
                tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
                && (text.contains("extraneous bytes") || text.contains("Invalid SOS parameters for sequential JPEG"))
            if !harmless { throw CodecError.corrupt("JPEG: \(text)") }
        }
        let space: CodecColorSpace = info.components == 1 ? .gray : (colorTransform == .native && storedIsYCbCr ? .ybrFull : .rgb)
        return CodecImage(
            width: info.width, height: info.height, components: info.components, bitsPerSample: 8,
            bytesPerSample: 1, isSigned: false, data: output, colorSpace: space)
    }

    static func message(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown TurboJPEG error" }
        return String(cString: text)
    }

    /// A copy of `stream` whose header declares untransformed components: JFIF and Adobe
    /// segments before the first scan are dropped and an Adobe segment with transform 0 is
    /// inserted after SOI. Entropy-coded data is copied unchanged.
    static func markedAsUntransformed(_ stream: [UInt8]) throws -> [UInt8] {
        var reader = JPEGSegmentReader(stream)
        try reader.readSOI()
        var out: [UInt8] = [0xFF, JPEGMarker.soi]
        out.reserveCapacity(stream.count + 16)
        // APP14: "Adobe", version 100, flags 0, 0, transform 0.
        out += [0xFF, JPEGMarker.app14, 0x00, 0x0E] + Array("Adobe".utf8) + [0x00, 0x64, 0, 0, 0, 0, 0]
        while true {
            let segment = try reader.next()
            let isJFIF = segment.marker == JPEGMarker.app0 && JPEG.payloadStarts(with: Array("JFIF".utf8), segment, stream)
            let isAdobe = segment.marker == JPEGMarker.app14 && JPEG.payloadStarts(with: Array("Adobe".utf8), segment, stream)
            if segment.marker == JPEGMarker.sos {
                out += stream[segment.start...]
                return out
            }
            if !isJFIF && !isAdobe { out += stream[segment.start..<segment.end] }
        }
    }
}
