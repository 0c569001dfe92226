/// A single-channel frame for training: palette applied, colour reduced to luma, MONOCHROME1
/// inverted, values scaled to 0...1 by the stored bit depth (or the LUT depth for palettes).
public struct GrayscaleImage: Sendable {
    public var rows: Int
    public var columns: Int
    public var pixels: [Float]

    public init(rows: Int, columns: Int, pixels: [Float]) {
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
    }

    /// Rounds to 0...255.
    public func toUInt8() -> [UInt8] { pixels.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) } }
}

extension DICOMFile {
    /// Frame `index` as grayscale in 0...1.
    public func grayscaleFrame(_ index: Int) throws -> GrayscaleImage {
        let desc = try pixelDescription()
        let frame = try decodeFrame(index, desc: desc)
        return try Grayscale.convert(
            frame, desc: desc, palette: desc.photometricInterpretation == "PALETTE COLOR" ? PaletteLUT(dataSet) : nil)
    }

    /// Frame `index` as grayscale in 0...1, written into `image`, whose pixel storage is reused
    /// when it already has the right size (for loops over many same-sized frames).
    public func grayscaleFrame(_ index: Int, into image: inout GrayscaleImage) throws {
        let desc = try pixelDescription()
        let frame = try decodeFrame(index, desc: desc)
        try Grayscale.convert(
            frame, desc: desc, palette: desc.photometricInterpretation == "PALETTE COLOR" ? PaletteLUT(dataSet) : nil, into: &image)
    }

    /// Frame `index` as grayscale bytes (0...255), row-major.
    public func grayscaleFrameUInt8(_ index: Int) throws -> [UInt8] { try grayscaleFrame(index).toUInt8() }
}

enum Grayscale {
    static func convert(_ f: PixelFrame, desc: PixelDescription, palette: PaletteLUT?) throws -> GrayscaleImage {
        var image = GrayscaleImage(rows: f.rows, columns: f.columns, pixels: [])
        try convert(f, desc: desc, palette: palette, into: &image)
        return image
    }

    static func convert(_ f: PixelFrame, desc: PixelDescription, palette: PaletteLUT?, into image: inout GrayscaleImage) throws {
        image.rows = f.rows
        image.columns = f.columns
        let n = f.rows * f.columns
        var out: [Float] = []
        // Take the caller's storage (uniquely referenced, so no copy on write).
        swap(&out, &image.pixels)
        defer { swap(&out, &image.pixels) }
        let spp = f.samplesPerPixel
        if let lut = palette, spp == 1 {
            let scale = 1 / Float((1 << lut.bits) - 1)
            out = [Float](repeating: 0, count: n)
            let r = lut.red.map(Float.init), g = lut.green.map(Float.init), b = lut.blue.map(Float.init)
            for p in 0..<n {
                let i = lut.index(Int(f.value(at: p)))
                let j = min(i, g.count - 1), k = min(i, b.count - 1)
                out[p] = min(1, (0.299 * r[i] + 0.587 * g[j] + 0.114 * b[k]) * scale)
            }
            return
        }
        // Stored values span 0..<2^BitsStored (offset by half for signed data).
        let bits = min(desc.bitsStored, 8 * f.sampleType.byteCount)
        let isFloat = f.sampleType == .float32 || f.sampleType == .float64
        var lo: Float = 0, range = Float((1 << UInt64(max(1, bits))) - 1)
        if desc.isSigned && !isFloat { lo = -Float(1 << UInt64(max(1, bits) - 1)) }
        if desc.bitsAllocated == 1 { range = 1 }
        if isFloat {
            let v = f.floatValues().filter { $0.isFinite }
            lo = v.min() ?? 0
            range = max(Float.ulpOfOne, (v.max() ?? 1) - lo)
        }
        let inv = 1 / range
        if f.sampleType == .uint8 && !isFloat {
            // The common ultrasound case: bytes straight to luma, no intermediate arrays.
            guard f.data.count >= n * spp, spp == 1 || spp >= 3 else {
                throw DICOMError.pixelData("frame holds \(f.data.count) bytes, expected \(n * spp)")
            }
            Grayscale.luma(bytes: f.data, pixels: n, samplesPerPixel: spp, scale: inv, into: &out)
        } else {
            let values = f.floatValues()
            out = [Float](repeating: 0, count: n)
            for p in 0..<n {
                let v: Float
                if spp == 1 {
                    v = values[p]
                } else {
                    v = 0.299 * values[p * spp] + 0.587 * values[p * spp + 1] + 0.114 * values[p * spp + 2]
                }
                let g = (v - lo) * inv
                out[p] = g.isNaN ? 0 : max(0, min(1, g))
            }
        }
        if desc.photometricInterpretation == "MONOCHROME1" {
            out.withUnsafeMutableBufferPointer { o in
                for p in o.indices { o[p] = 1 - o[p] }
            }
        }
    }

    /// 8-bit samples (1, or 3+ interleaved with R G B first) to `scale`·luma, written once into
    /// `out` (its storage reused when the size matches, else uninitialised new storage); the
    /// arithmetic matches the general path value for value.
    static func luma(bytes: [UInt8], pixels n: Int, samplesPerPixel spp: Int, scale: Float, into out: inout [Float]) {
        if out.count == n {
            out.withUnsafeMutableBufferPointer { o in luma(bytes: bytes, pixels: n, samplesPerPixel: spp, scale: scale, into: o) }
        } else {
            out = [Float](unsafeUninitializedCapacity: n) { o, initialized in
                luma(bytes: bytes, pixels: n, samplesPerPixel: spp, scale: scale, into: o)
                initialized = n
            }
        }
    }

    private static func luma(
        bytes: [UInt8], pixels n: Int, samplesPerPixel spp: Int, scale: Float, into out: UnsafeMutableBufferPointer<Float>
    ) {
        bytes.withUnsafeBufferPointer { src in
            guard let s = src.baseAddress, let o = out.baseAddress, n > 0 else { return }
            if spp == 1 {
                for p in 0..<n { o[p] = Float(s[p]) * scale }
            } else if spp == 3 {
                for p in 0..<n {
                    let r = Float(s[3 * p]), g = Float(s[3 * p + 1]), b = Float(s[3 * p + 2])
                    o[p] = (0.299 * r + 0.587 * g + 0.114 * b) * scale
                }
            } else {
                for p in 0..<n {
                    let q = s + p * spp
                    o[p] = (0.299 * Float(q[0]) + 0.587 * Float(q[1]) + 0.114 * Float(q[2])) * scale
                }
            }
        }
    }
}
