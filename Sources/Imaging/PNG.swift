import CPNG
import Foundation
import SonoSupport

/// PNG reading and writing through libpng's simplified `png_image_*` API, which reports
/// failures as return values (never by `longjmp` through Swift frames).
///
/// Reading gives 8-bit samples: gray → 1 channel, gray+alpha → RGBA, RGB → 3, RGBA and
/// palettes with transparency → 4, other palettes → 3. 16-bit files are read as linear values
/// and scaled to 8 bits by rounding `v × 255 / 65535`, so label and mask values keep their
/// order. 8-bit files whose gAMA chunk is far from sRGB are gamma-corrected to sRGB by libpng.
public enum PNG {
    /// The 8-byte signature that starts every PNG file.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public static func read(path: String) throws -> Raster {
        try decode(ImageFile.bytes(atPath: path), source: path)
    }

    /// Decodes PNG bytes; `source` names the data in errors.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> Raster {
        try withOpenImage(bytes, source: source) { image in
            let fileFormat = image.format
            let isColor = fileFormat & PNG_FORMAT_FLAG_COLOR != 0
            let hasAlpha = fileFormat & PNG_FORMAT_FLAG_ALPHA != 0
            let isSixteenBit = fileFormat & PNG_FORMAT_FLAG_LINEAR != 0
            let requested = (isColor ? PNG_FORMAT_FLAG_COLOR : 0) | (hasAlpha ? PNG_FORMAT_FLAG_ALPHA : 0)
            let samplesPerPixel = (isColor ? 3 : 1) + (hasAlpha ? 1 : 0)
            let width = Int(image.width), height = Int(image.height)
            let count = width * height * samplesPerPixel

            var samples: [UInt8]
            if isSixteenBit {
                image.format = requested | PNG_FORMAT_FLAG_LINEAR
                var wide = [UInt16](repeating: 0, count: count)
                try finish(&image, into: &wide, source: source)
                samples = narrow(wide, samplesPerPixel: samplesPerPixel, hasAlpha: hasAlpha)
            } else {
                image.format = requested
                samples = [UInt8](repeating: 0, count: count)
                try finish(&image, into: &samples, source: source)
            }
            if !isColor && hasAlpha { samples = expandGrayAlpha(samples) }
            let channels = isColor ? samplesPerPixel : (hasAlpha ? 4 : 1)
            return try Raster(width: width, height: height, channels: channels, pixels: samples)
        }
    }

    /// Reads a single-channel PNG keeping its stored sample values: 16-bit files give their
    /// 16-bit values exactly, 8-bit (or lower depth) gray files their 8-bit values. Useful for label maps.
    public static func readGray16(path: String) throws -> (width: Int, height: Int, pixels: [UInt16]) {
        let bytes = try ImageFile.bytes(atPath: path)
        return try withOpenImage(bytes, source: path) { image in
            let fileFormat = image.format
            guard fileFormat & (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA | PNG_FORMAT_FLAG_COLORMAP) == 0 else {
                throw ImagingError.unsupportedFormat(path: path, reason: "readGray16 needs a gray PNG without alpha")
            }
            let width = Int(image.width), height = Int(image.height)
            if fileFormat & PNG_FORMAT_FLAG_LINEAR != 0 {
                image.format = PNG_FORMAT_FLAG_LINEAR
                var wide = [UInt16](repeating: 0, count: width * height)
                try finish(&image, into: &wide, source: path)
                return (width, height, wide)
            }
            image.format = 0
            var narrowSamples = [UInt8](repeating: 0, count: width * height)
            try finish(&image, into: &narrowSamples, source: path)
            return (width, height, narrowSamples.map(UInt16.init))
        }
    }

    public static func write(_ raster: Raster, to path: String) throws {
        try atomicWrite(encode(raster, source: path), to: path)
    }

    public static func encode(_ raster: Raster) throws -> [UInt8] {
        try encode(raster, source: "<memory>")
    }

    /// Writes a 16-bit gray PNG (values stored unchanged; libpng tags it with a linear gAMA).
    public static func writeGray16(width: Int, height: Int, pixels: [UInt16], to path: String) throws {
        try atomicWrite(encodeGray16(width: width, height: height, pixels: pixels, source: path), to: path)
    }

    public static func encodeGray16(width: Int, height: Int, pixels: [UInt16], source: String = "<memory>") throws -> [UInt8] {
        guard width > 0, height > 0, pixels.count == width * height else {
            throw ImagingError.invalidGeometry("\(pixels.count) samples for a \(width)×\(height) 16-bit PNG")
        }
        return try pixels.withUnsafeBytes { buffer in
            try encodeBuffer(buffer, width: width, height: height, format: PNG_FORMAT_FLAG_LINEAR, source: source)
        }
    }

    // MARK: - Internals

    private static func encode(_ raster: Raster, source: String) throws -> [UInt8] {
        guard raster.width > 0, raster.height > 0 else {
            throw ImagingError.writeFailed(path: source, reason: "PNG cannot hold an empty \(raster.width)×\(raster.height) image")
        }
        let format: UInt32
        switch raster.channels {
        case 1: format = 0
        case 3: format = PNG_FORMAT_FLAG_COLOR
        default: format = PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA
        }
        return try raster.pixels.withUnsafeBytes { buffer in
            try encodeBuffer(buffer, width: raster.width, height: raster.height, format: format, source: source)
        }
    }

    private static func encodeBuffer(
        _ buffer: UnsafeRawBufferPointer, width: Int, height: Int,
        format: UInt32, source: String
    ) throws -> [UInt8] {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        var size = 0
        // First call sizes the output, second fills it.
        guard png_image_write_to_memory(&image, nil, &size, 0, buffer.baseAddress, 0, nil) != 0 else {
            throw ImagingError.writeFailed(path: source, reason: message(of: image))
        }
        var output = [UInt8](repeating: 0, count: size)
        let ok = output.withUnsafeMutableBytes { out in
            png_image_write_to_memory(&image, out.baseAddress, &size, 0, buffer.baseAddress, 0, nil)
        }
        guard ok != 0 else { throw ImagingError.writeFailed(path: source, reason: message(of: image)) }
        return Array(output.prefix(size))
    }

    /// Opens `bytes` with libpng, checks the claimed size against what the data can hold, runs
    /// `body` while the memory stays pinned, and always frees libpng's state.
    private static func withOpenImage<T>(
        _ bytes: [UInt8], source: String,
        _ body: (inout png_image) throws -> T
    ) throws -> T {
        guard bytes.count >= 8, Array(bytes.prefix(8)) == signature else {
            throw ImagingError.unsupportedFormat(path: source, reason: "no PNG signature")
        }
        return try bytes.withUnsafeBytes { buffer in
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            guard png_image_begin_read_from_memory(&image, buffer.baseAddress, buffer.count) != 0 else {
                throw ImagingError.corrupt(path: source, reason: message(of: image))
            }
            defer { png_image_free(&image) }
            // Deflate expands at most ~1032:1 and 1-bit images pack 8 pixels per byte, so more
            // pixels than this cannot come from `bytes` and the header is lying.
            let pixels = Int(image.width) * Int(image.height)
            guard pixels <= bytes.count * 8_300 + (1 << 20) else {
                throw ImagingError.tooLarge(
                    path: source, reason: "\(image.width)×\(image.height) cannot be encoded in \(bytes.count) bytes")
            }
            return try body(&image)
        }
    }

    private static func finish<Sample>(_ image: inout png_image, into samples: inout [Sample], source: String) throws {
        let ok = samples.withUnsafeMutableBytes { out in
            png_image_finish_read(&image, nil, out.baseAddress, 0, nil)
        }
        guard ok != 0 else { throw ImagingError.corrupt(path: source, reason: message(of: image)) }
    }

    /// libpng's linear output premultiplies colour by alpha; undo that, then round to 8 bits.
    private static func narrow(_ wide: [UInt16], samplesPerPixel: Int, hasAlpha: Bool) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: wide.count)
        func to8(_ v: UInt32) -> UInt8 { UInt8((min(v, 65535) * 255 + 32767) / 65535) }
        var i = 0
        while i < wide.count {
            if hasAlpha {
                let alpha = UInt32(wide[i + samplesPerPixel - 1])
                for c in 0..<(samplesPerPixel - 1) {
                    let v = UInt32(wide[i + c])
                    out[i + c] = alpha == 0 ? 0 : to8((v * 65535 + alpha / 2) / alpha)
                }
                out[i + samplesPerPixel - 1] = to8(alpha)
            } else {
                for c in 0..<samplesPerPixel { out[i + c] = to8(UInt32(wide[i + c])) }
            }
            i += samplesPerPixel
        }
        return out
    }

    private static func expandGrayAlpha(_ ga: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(ga.count * 2)
        var i = 0
        while i + 1 < ga.count {
            out.append(ga[i]); out.append(ga[i]); out.append(ga[i]); out.append(ga[i + 1])
            i += 2
        }
        return out
    }

    private static func message(of image: png_image) -> String {
        var copy = image.message
        let text = withUnsafeBytes(of: &copy) { raw -> String in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        return text.isEmpty ? "libpng error" : text
    }

    static func atomicWrite(_ bytes: [UInt8], to path: String) throws {
        do {
            try AtomicFile.write(Data(bytes), to: URL(fileURLWithPath: path))
        } catch let error as AtomicFile.WriteError {
            throw ImagingError.writeFailed(path: path, reason: error.reason)
        }
    }
}
