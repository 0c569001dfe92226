/// A single-channel frame for training: palette applied, colour reduced to luma, MONOCHROME1
/// inverted, values scaled to 0...1 by the stored bit depth (or the LUT depth for palettes).
public struct GrayscaleImage: Sendable {
    public var rows: Int
    public var columns: Int
    public var pixels: [Float]

    /// Rounds to 0...255.
    public func toUInt8() -> [UInt8] { pixels.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) } }
}

extension DICOMFile {
    /// Frame `index` as grayscale in 0...1.
    public func grayscaleFrame(_ index: Int) throws -> GrayscaleImage {
        let desc = try pixelDescription()
        let frame = try decodeFrame(index)
        return try Grayscale.convert(frame, desc: desc, palette: desc.photometricInterpretation == "PALETTE COLOR" ? PaletteLUT(dataSet) : nil)
    }

    /// Frame `index` as grayscale bytes (0...255), row-major.
    public func grayscaleFrameUInt8(_ index: Int) throws -> [UInt8] { try grayscaleFrame(index).toUInt8() }
}

enum Grayscale {
    static func convert(_ f: PixelFrame, desc: PixelDescription, palette: PaletteLUT?) throws -> GrayscaleImage {
        let n = f.rows * f.columns
        var out = [Float](repeating: 0, count: n)
        let spp = f.samplesPerPixel
        if let lut = palette, spp == 1 {
            let scale = 1 / Float((1 << lut.bits) - 1)
            let r = lut.red.map(Float.init), g = lut.green.map(Float.init), b = lut.blue.map(Float.init)
            for p in 0..<n {
                let i = lut.index(Int(f.value(at: p)))
                let j = min(i, g.count - 1), k = min(i, b.count - 1)
                out[p] = min(1, (0.299 * r[i] + 0.587 * g[j] + 0.114 * b[k]) * scale)
            }
            return GrayscaleImage(rows: f.rows, columns: f.columns, pixels: out)
        }
        // Stored values span 0..<2^BitsStored (offset by half for signed data).
        let bits = min(desc.bitsStored, 8 * f.sampleType.byteCount)
        let isFloat = f.sampleType == .float32 || f.sampleType == .float64
        var lo: Float = 0, range = Float((1 << UInt64(max(1, bits))) - 1)
        if desc.isSigned && !isFloat { lo = -Float(1 << UInt64(max(1, bits) - 1)) }
        if desc.bitsAllocated == 1 { range = 1 }
        if isFloat {
            let v = f.doubleValues()
            lo = Float(v.min() ?? 0)
            range = max(Float.ulpOfOne, Float((v.max() ?? 1)) - lo)
        }
        let inv = 1 / range
        if f.sampleType == .uint8 && !isFloat {
            // The common ultrasound case, without per-value dispatch.
            f.data.withUnsafeBufferPointer { d in
                if spp == 1 {
                    for p in 0..<n { out[p] = Float(d[p]) * inv }
                } else {
                    for p in 0..<n {
                        let o = p * spp
                        out[p] = (0.299 * Float(d[o]) + 0.587 * Float(d[o + 1]) + 0.114 * Float(d[o + 2])) * inv
                    }
                }
            }
        } else {
            for p in 0..<n {
                let v: Float
                if spp == 1 {
                    v = Float(f.value(at: p))
                } else {
                    v = 0.299 * Float(f.value(at: p * spp)) + 0.587 * Float(f.value(at: p * spp + 1)) + 0.114 * Float(f.value(at: p * spp + 2))
                }
                out[p] = max(0, min(1, (v - lo) * inv))
            }
        }
        if desc.photometricInterpretation == "MONOCHROME1" {
            for p in 0..<n { out[p] = 1 - out[p] }
        }
        return GrayscaleImage(rows: f.rows, columns: f.columns, pixels: out)
    }
}
