/// Colour-space conversions on 8-bit interleaved pixels, matching pydicom 3's arithmetic
/// (float32 matrix product, +0.5, floor, clip) so lossless results are bit-identical.
enum ColorConversion {
    private static let cbG: Float = -0.114 * 1.772 / 0.587
    private static let crG: Float = -0.299 * 1.402 / 0.587

    static func ybrFullToRGB(_ p: inout [UInt8]) {
        p.withUnsafeMutableBufferPointer { b in
            var i = 0
            let n = b.count - b.count % 3
            while i < n {
                let y = Float(b[i]), cb = Float(b[i + 1]) - 128, cr = Float(b[i + 2]) - 128
                b[i] = clip(y + 1.402 * cr)
                b[i + 1] = clip(y + cbG * cb + crG * cr)
                b[i + 2] = clip(y + 1.772 * cb)
                i += 3
            }
        }
    }

    @inline(__always) private static func clip(_ v: Float) -> UInt8 {
        let r = (v + 0.5).rounded(.down)
        return r <= 0 ? 0 : (r >= 255 ? 255 : UInt8(r))
    }

    /// YBR_FULL_422 as stored natively: Y0 Y1 Cb Cr for each horizontal pair → Y Cb Cr per pixel.
    static func expand422(_ src: [UInt8], rows: Int, columns: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * columns * 3)
        var s = 0, d = 0
        let pairs = rows * columns / 2
        for _ in 0..<pairs {
            guard s + 3 < src.count else { break }
            let y0 = src[s], y1 = src[s + 1], cb = src[s + 2], cr = src[s + 3]
            out[d] = y0; out[d + 1] = cb; out[d + 2] = cr
            out[d + 3] = y1; out[d + 4] = cb; out[d + 5] = cr
            s += 4
            d += 6
        }
        return out
    }

    /// Colour-by-plane to colour-by-pixel.
    static func interleave(_ src: [UInt8], pixels: Int, samples: Int, bytesPerSample: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: src.count)
        let planeBytes = pixels * bytesPerSample
        for s in 0..<samples {
            for p in 0..<pixels {
                for k in 0..<bytesPerSample {
                    out[(p * samples + s) * bytesPerSample + k] = src[s * planeBytes + p * bytesPerSample + k]
                }
            }
        }
        return out
    }
}
