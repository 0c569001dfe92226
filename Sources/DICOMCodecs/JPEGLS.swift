// JPEG-LS (ITU-T T.87), lossless and near-lossless, through CharLS's C API (which catches its
// C++ exceptions and returns error codes).
import CCharLS

/// What a JPEG-LS stream's header says.
public struct JPEGLSStreamInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var components: Int
    public var bitsPerSample: Int
    /// NEAR: 0 for lossless, the maximum per-sample error otherwise.
    public var nearLossless: Int
    /// 0 = none (planes one after another in the stream), 1 = line, 2 = sample.
    public var interleaveMode: Int
}

public enum JPEGLS {
    /// Output samples per input byte a JPEG-LS stream can describe: run mode codes up to
    /// 2^15 samples per bit (J[31] = 15).
    static let maxSamplesPerByte = 8 << 15

    /// Reads the frame header without decoding.
    public static func info(_ stream: [UInt8]) throws -> JPEGLSStreamInfo {
        try withDecoder(stream) { decoder, info in info }
    }

    /// Decodes a JPEG-LS stream. Samples come back interleaved by pixel whatever the stream's
    /// interleave mode, unsigned, two little-endian bytes when wider than 8 bits.
    public static func decode(_ stream: [UInt8]) throws -> CodecImage {
        try withDecoder(stream) { decoder, info in
            let bytesPerSample = info.bitsPerSample > 8 ? 2 : 1
            try DecodeBudget.check(
                width: info.width, height: info.height, components: info.components,
                bytesPerSample: bytesPerSample, streamCount: stream.count,
                maxSamplesPerByte: maxSamplesPerByte, codec: "JPEG-LS")
            let count = info.width * info.height * info.components * bytesPerSample
            var needed = 0
            try check(charls_jpegls_decoder_get_destination_size(decoder, 0, &needed), "get_destination_size")
            guard needed == count else {
                throw CodecError.library(
                    "JPEG-LS: CharLS wants \(needed) bytes for a \(info.width)x\(info.height)x\(info.components) image")
            }
            var output = [UInt8](repeating: 0, count: count)
            try output.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { throw CodecError.library("JPEG-LS: no output buffer") }
                try check(charls_jpegls_decoder_decode_to_buffer(decoder, base, count, 0), "decode")
            }
            if info.interleaveMode == 0 && info.components > 1 {
                output = interleavePlanes(output, planes: info.components, bytesPerSample: bytesPerSample)
            }
            return CodecImage(
                width: info.width, height: info.height, components: info.components,
                bitsPerSample: info.bitsPerSample, bytesPerSample: bytesPerSample, isSigned: false,
                data: output, colorSpace: info.components == 1 ? .gray : .rgb)
        }
    }

    private static func withDecoder<T>(_ stream: [UInt8], _ body: (OpaquePointer, JPEGLSStreamInfo) throws -> T) throws -> T {
        guard !stream.isEmpty else { throw CodecError.corrupt("JPEG-LS: empty stream") }
        // CharLS 2.4.1 can loop forever when its bit reader reaches the physical end of the
        // buffer (a stream cut inside its scan data); at an EOI marker it stops with an error.
        // So a stream must end with EOI (DICOM may pad one zero byte after it).
        var end = stream.count
        while end > 0, stream[end - 1] == 0, stream.count - end < 2 { end -= 1 }
        guard end >= 2, stream[end - 2] == 0xFF, stream[end - 1] == 0xD9 else {
            throw CodecError.corrupt("JPEG-LS: stream does not end with an EOI marker (truncated)")
        }
        guard let decoder = charls_jpegls_decoder_create() else { throw CodecError.library("JPEG-LS: cannot create a CharLS decoder") }
        defer { charls_jpegls_decoder_destroy(decoder) }
        return try stream.withUnsafeBytes { source in
            guard let base = source.baseAddress else { throw CodecError.corrupt("JPEG-LS: empty stream") }
            try check(charls_jpegls_decoder_set_source_buffer(decoder, base, source.count), "set_source_buffer")
            try check(charls_jpegls_decoder_read_header(decoder), "read_header")
            var frame = charls_frame_info()
            try check(charls_jpegls_decoder_get_frame_info(decoder, &frame), "get_frame_info")
            var near: Int32 = 0
            try check(charls_jpegls_decoder_get_near_lossless(decoder, 0, &near), "get_near_lossless")
            var mode = CHARLS_INTERLEAVE_MODE_NONE
            try check(charls_jpegls_decoder_get_interleave_mode(decoder, &mode), "get_interleave_mode")
            let info = JPEGLSStreamInfo(
                width: Int(frame.width), height: Int(frame.height), components: Int(frame.component_count),
                bitsPerSample: Int(frame.bits_per_sample), nearLossless: Int(near),
                interleaveMode: Int(mode.rawValue))
            guard (2...16).contains(info.bitsPerSample), (1...255).contains(info.components) else {
                throw CodecError.corrupt("JPEG-LS: \(info.bitsPerSample)-bit samples, \(info.components) components")
            }
            return try body(decoder, info)
        }
    }

    private static func check(_ status: charls_jpegls_errc, _ step: String) throws {
        guard status != CHARLS_JPEGLS_ERRC_SUCCESS else { return }
        let text = charls_get_error_message(status).map { String(cString: $0) } ?? "error \(status.rawValue)"
        switch status {
        case CHARLS_JPEGLS_ERRC_NOT_ENOUGH_MEMORY, CHARLS_JPEGLS_ERRC_UNEXPECTED_FAILURE:
            throw CodecError.library("JPEG-LS \(step): \(text)")
        case CHARLS_JPEGLS_ERRC_PARAMETER_VALUE_NOT_SUPPORTED, CHARLS_JPEGLS_ERRC_ENCODING_NOT_SUPPORTED,
            CHARLS_JPEGLS_ERRC_COLOR_TRANSFORM_NOT_SUPPORTED, CHARLS_JPEGLS_ERRC_JPEGLS_PRESET_EXTENDED_PARAMETER_TYPE_NOT_SUPPORTED,
            CHARLS_JPEGLS_ERRC_JPEG_MARKER_START_BYTE_NOT_FOUND where step != "read_header":
            throw CodecError.unsupported("JPEG-LS \(step): \(text)")
        default:
            throw CodecError.corrupt("JPEG-LS \(step): \(text)")
        }
    }
}

/// Planar (all of component 0, then component 1, ...) to pixel-interleaved.
func interleavePlanes(_ planar: [UInt8], planes: Int, bytesPerSample: Int) -> [UInt8] {
    let planeBytes = planar.count / planes
    let pixels = planeBytes / bytesPerSample
    var out = [UInt8](repeating: 0, count: planar.count)
    planar.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for c in 0..<planes {
                for i in 0..<pixels {
                    for b in 0..<bytesPerSample {
                        dst[(i * planes + c) * bytesPerSample + b] = src[c * planeBytes + i * bytesPerSample + b]
                    }
                }
            }
        }
    }
    return out
}
