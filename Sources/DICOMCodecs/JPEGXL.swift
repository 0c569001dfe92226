// JPEG XL (ISO/IEC 18181) through libjxl, fed from memory: one bare codestream or container
// per DICOM frame. libjxl reports failures as status values; every one becomes a CodecError.
import CJPEGXL

/// What a JPEG XL stream's image header says.
public struct JPEGXLStreamInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Colour channels: 1 (gray) or 3. Alpha and other extra channels are not counted: DICOM
    /// pixel data has no place for them, so decoding leaves them out.
    public var components: Int
    /// Precision of the integer samples the encoder was given (8, 12, 16, ...).
    public var bitsPerSample: Int
    /// Samples are floating point (DICOM's integer pixel data cannot hold them).
    public var isFloatingPoint: Bool
    /// The samples are coded in the image's own colour space (lossless), not in XYB (lossy).
    public var usesOriginalProfile: Bool
    /// An animation: several images in one stream.
    public var hasAnimation: Bool
    /// Wrapped in the ISO BMFF-style container rather than a bare codestream.
    public var isContainer: Bool
    /// Extra channels beside the colour ones (alpha, depth, ...), which decoding drops.
    public var extraChannels: Int
}

public enum JPEGXL {
    /// Output samples per input byte accepted above the 16 MiB floor. JPEG XL has no useful
    /// bound (a flat image costs a few bytes); medical frames are far below this.
    static let maxSamplesPerByte = 1 << 16

    /// Reads the image header without decoding any pixels.
    public static func info(_ stream: [UInt8]) throws -> JPEGXLStreamInfo {
        try run(stream, decodingPixels: false).info
    }

    /// Decodes the stream's image. Samples are interleaved by pixel and unsigned; precision
    /// above 8 bits takes two little-endian bytes, holding the values the encoder was given
    /// (12-bit input comes back as 0...4095). Three-component output is RGB: libjxl inverts its
    /// own colour transforms (XYB, the JPEG YCbCr of a recompressed JPEG, modular RCTs).
    public static func decode(_ stream: [UInt8]) throws -> CodecImage {
        guard let image = try run(stream, decodingPixels: true).image else {
            throw CodecError.library("JPEG XL: decoder returned no image")
        }
        return image
    }

    private static func run(_ stream: [UInt8], decodingPixels: Bool) throws -> (info: JPEGXLStreamInfo, image: CodecImage?) {
        try stream.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress, input.count > 0 else { throw CodecError.corrupt("JPEG XL: empty stream") }
            let isContainer: Bool
            switch JxlSignatureCheck(base, input.count) {
            case JXL_SIG_CODESTREAM: isContainer = false
            case JXL_SIG_CONTAINER: isContainer = true
            default: throw CodecError.corrupt("JPEG XL: neither a codestream (FF0A) nor a JPEG XL container")
            }
            guard let decoder = JxlDecoderCreate(nil) else { throw CodecError.library("JPEG XL: cannot create a libjxl decoder") }
            defer { JxlDecoderDestroy(decoder) }
            let events = JXL_DEC_BASIC_INFO.rawValue | (decodingPixels ? JXL_DEC_FULL_IMAGE.rawValue : 0)
            guard JxlDecoderSubscribeEvents(decoder, Int32(events)) == JXL_DEC_SUCCESS,
                JxlDecoderSetInput(decoder, base, input.count) == JXL_DEC_SUCCESS
            else {
                throw CodecError.library("JPEG XL: decoder setup failed")
            }
            // All input is there: a stream that asks for more is truncated, not streaming.
            JxlDecoderCloseInput(decoder)

            var info: JPEGXLStreamInfo?
            var format = JxlPixelFormat()
            // libjxl writes into the output buffer across several ProcessInput calls, so it
            // must not move: a Swift array's storage is only pinned inside one closure.
            var output: UnsafeMutableRawBufferPointer?
            defer { output?.deallocate() }
            while true {
                let status = JxlDecoderProcessInput(decoder)
                switch status {
                case JXL_DEC_BASIC_INFO:
                    var basic = JxlBasicInfo()
                    guard JxlDecoderGetBasicInfo(decoder, &basic) == JXL_DEC_SUCCESS else {
                        throw CodecError.corrupt("JPEG XL: unreadable image header")
                    }
                    let header = describe(basic, isContainer: isContainer)
                    guard decodingPixels else { return (header, nil) }
                    try checkDecodable(header, streamCount: input.count)
                    info = header
                    format = JxlPixelFormat(
                        num_channels: UInt32(header.components),
                        data_type: header.bitsPerSample > 8 ? JXL_TYPE_UINT16 : JXL_TYPE_UINT8,
                        endianness: JXL_LITTLE_ENDIAN, align: 0)
                case JXL_DEC_NEED_IMAGE_OUT_BUFFER:
                    guard let header = info else { throw CodecError.library("JPEG XL: output requested before the image header") }
                    var size = 0
                    guard JxlDecoderImageOutBufferSize(decoder, &format, &size) == JXL_DEC_SUCCESS else {
                        throw CodecError.library("JPEG XL: no output size for \(format.num_channels) channels")
                    }
                    let expected = header.width * header.height * header.components * (header.bitsPerSample > 8 ? 2 : 1)
                    guard size == expected, output == nil else {
                        throw CodecError.library(
                            "JPEG XL: libjxl wants \(size) bytes for a \(header.width)x\(header.height)x\(header.components) image")
                    }
                    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
                    output = buffer
                    guard JxlDecoderSetImageOutBuffer(decoder, &format, buffer.baseAddress, size) == JXL_DEC_SUCCESS else {
                        throw CodecError.library("JPEG XL: output buffer refused")
                    }
                case JXL_DEC_FULL_IMAGE:
                    // The first (and, animations being refused, only) image: done.
                    guard let header = info, let buffer = output else {
                        throw CodecError.library("JPEG XL: image without an output buffer")
                    }
                    return (header, image(from: buffer, info: header))
                case JXL_DEC_NEED_MORE_INPUT:
                    throw CodecError.corrupt("JPEG XL: stream ends before the image does (truncated)")
                case JXL_DEC_SUCCESS:
                    throw CodecError.corrupt("JPEG XL: stream holds no image")
                case JXL_DEC_ERROR:
                    throw CodecError.corrupt("JPEG XL: libjxl cannot decode the stream")
                default:
                    throw CodecError.library("JPEG XL: unexpected decoder event \(status.rawValue)")
                }
            }
        }
    }

    private static func describe(_ basic: JxlBasicInfo, isContainer: Bool) -> JPEGXLStreamInfo {
        JPEGXLStreamInfo(
            width: Int(basic.xsize), height: Int(basic.ysize), components: Int(basic.num_color_channels),
            bitsPerSample: Int(basic.bits_per_sample), isFloatingPoint: basic.exponent_bits_per_sample > 0,
            usesOriginalProfile: basic.uses_original_profile != 0, hasAnimation: basic.have_animation != 0,
            isContainer: isContainer, extraChannels: Int(basic.num_extra_channels))
    }

    /// Refuses what DICOM pixel data cannot hold before any pixel memory is allocated.
    private static func checkDecodable(_ info: JPEGXLStreamInfo, streamCount: Int) throws {
        guard info.components == 1 || info.components == 3 else {
            throw CodecError.unsupported("JPEG XL: \(info.components) colour channels")
        }
        guard !info.isFloatingPoint, (1...16).contains(info.bitsPerSample) else {
            throw CodecError.unsupported("JPEG XL: \(info.isFloatingPoint ? "floating-point" : "\(info.bitsPerSample)-bit") samples")
        }
        // A DICOM frame is one image; taking an animation's first frame would hide the rest.
        guard !info.hasAnimation else { throw CodecError.unsupported("JPEG XL: an animation (DICOM stores one image per frame)") }
        try DecodeBudget.check(
            width: info.width, height: info.height, components: info.components,
            bytesPerSample: info.bitsPerSample > 8 ? 2 : 1, streamCount: streamCount,
            maxSamplesPerByte: maxSamplesPerByte, codec: "JPEG XL")
    }

    /// Copies libjxl's output into a CodecImage. libjxl 0.7 has no way to ask for the coded bit
    /// depth: integer output always spans the whole type (a 12-bit 4095 arrives as 65535), so
    /// other depths are scaled back with rounding, which is exact for lossless streams.
    private static func image(from buffer: UnsafeMutableRawBufferPointer, info: JPEGXLStreamInfo) -> CodecImage {
        var data = [UInt8](buffer)
        let wide = info.bitsPerSample > 8
        let typeMax = wide ? 65535 : 255
        let codedMax = (1 << info.bitsPerSample) - 1
        if codedMax != typeMax {
            if wide {
                for i in stride(from: 0, to: data.count, by: 2) {
                    let v = (Int(data[i]) | Int(data[i + 1]) << 8) * codedMax
                    let scaled = (v + typeMax / 2) / typeMax
                    data[i] = UInt8(truncatingIfNeeded: scaled)
                    data[i + 1] = UInt8(truncatingIfNeeded: scaled >> 8)
                }
            } else {
                for i in data.indices { data[i] = UInt8((Int(data[i]) * codedMax + typeMax / 2) / typeMax) }
            }
        }
        return CodecImage(
            width: info.width, height: info.height, components: info.components,
            bitsPerSample: info.bitsPerSample, bytesPerSample: wide ? 2 : 1, isSigned: false,
            data: data, colorSpace: info.components == 1 ? .gray : .rgb)
    }
}
