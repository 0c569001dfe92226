import CTurboJPEG

/// JPEG decoding through TurboJPEG: grayscale JPEGs give 1 channel, everything else RGB.
public enum JPEG {
    public static func read(path: String) throws -> Raster {
        try decode(ImageFile.bytes(atPath: path), source: path)
    }

    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> Raster {
        guard let handle = tjInitDecompress() else {
            throw ImagingError.unreadable(path: source, reason: "TurboJPEG could not start a decoder")
        }
        defer { tjDestroy(handle) }
        func failure() -> String { String(cString: tjGetErrorStr2(handle)) }

        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer { src in
            tjDecompressHeader3(handle, src.baseAddress, UInt(src.count), &width, &height, &subsampling, &colorspace)
        }
        guard header == 0 else { throw ImagingError.corrupt(path: source, reason: failure()) }
        guard width > 0, height > 0 else {
            throw ImagingError.corrupt(path: source, reason: "empty \(width)×\(height) JPEG")
        }
        // A flat 8×8 block still costs a few bits, so a few hundred pixels per byte is the most
        // a real JPEG holds; larger claims are corrupt headers, not images.
        let pixels = Int(width) * Int(height)
        guard pixels <= bytes.count * 1_024 + (1 << 20) else {
            throw ImagingError.tooLarge(path: source, reason: "\(width)×\(height) cannot be encoded in \(bytes.count) bytes")
        }
        // CMYK/YCCK JPEGs (print scans) are not images SonoTag can learn from; say so plainly.
        guard colorspace != Int32(TJCS_CMYK.rawValue), colorspace != Int32(TJCS_YCCK.rawValue) else {
            throw ImagingError.unsupportedFormat(path: source, reason: "CMYK JPEG")
        }
        let isGray = colorspace == Int32(TJCS_GRAY.rawValue)
        let channels = isGray ? 1 : 3
        let format = isGray ? TJPF_GRAY : TJPF_RGB
        var out = [UInt8](repeating: 0, count: pixels * channels)
        let status = bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(
                    handle, src.baseAddress, UInt(src.count), dst.baseAddress,
                    width, 0, height, Int32(format.rawValue), TJFLAG_ACCURATEDCT)
            }
        }
        // Warnings (e.g. premature end of data) count as failures: a truncated image is not data.
        guard status == 0 else { throw ImagingError.corrupt(path: source, reason: failure()) }
        return try Raster(width: Int(width), height: Int(height), channels: channels, pixels: out)
    }
}
