extension GrayImage {
    /// Luma of an 8-bit raster (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B), in 0…255.
    /// Gray rasters are copied; alpha is ignored.
    public init(_ raster: Raster) {
        self.init(width: raster.width, height: raster.height)
        let n = raster.width * raster.height
        raster.pixels.withUnsafeBufferPointer { src in
            if raster.channels == 1 {
                for i in 0..<n { pixels[i] = Float(src[i]) }
            } else {
                let c = raster.channels
                for i in 0..<n {
                    pixels[i] = 0.299 * Float(src[i * c]) + 0.587 * Float(src[i * c + 1]) + 0.114 * Float(src[i * c + 2])
                }
            }
        }
    }

    /// Zero mean, unit standard deviation (a constant image becomes all zeros).
    public func zScored() -> GrayImage {
        guard !pixels.isEmpty else { return self }
        let n = Double(pixels.count)
        let mean = pixels.reduce(0.0) { $0 + Double($1) } / n
        let variance = pixels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        let std = variance.squareRoot()
        var out = self
        for i in out.pixels.indices {
            out.pixels[i] = std > 0 ? Float((Double(pixels[i]) - mean) / std) : 0
        }
        return out
    }

    /// Position of each value inside `window` as 0…1 (clamped); the image's own range when nil.
    func normalized(window: ClosedRange<Float>?) -> [Float] {
        let w = window ?? range ?? 0...1
        let span = w.upperBound - w.lowerBound
        return pixels.map { v in
            guard span > 0, !v.isNaN else { return 0 }
            return max(0, min(1, (v - w.lowerBound) / span))
        }
    }
}

extension Raster {
    /// A gray raster showing `image` with `window.lowerBound` → 0 and `window.upperBound` → 255,
    /// clamped outside. Without a window the image's own min…max is used.
    public init(_ image: GrayImage, window: ClosedRange<Float>? = nil) {
        self.init(width: image.width, height: image.height, channels: 1)
        let t = image.normalized(window: window)
        for i in t.indices { pixels[i] = UInt8((t[i] * 255).rounded()) }
    }

    /// An RGB raster of `image` through a colour map, windowed as `init(_:window:)`.
    public init(_ image: GrayImage, window: ClosedRange<Float>? = nil, colorMap: ColorMap) {
        self.init(width: image.width, height: image.height, channels: 3)
        let t = image.normalized(window: window)
        for i in t.indices {
            let c = colorMap.color(at: t[i])
            pixels[3 * i] = c.r
            pixels[3 * i + 1] = c.g
            pixels[3 * i + 2] = c.b
        }
    }

    /// The same picture with 3 channels: gray is replicated, alpha is composited over `background`.
    public func rgb(over background: RGB = .black) -> Raster {
        if channels == 3 { return self }
        var out = Raster(width: width, height: height, channels: 3)
        for i in 0..<(width * height) {
            let color: RGB
            if channels == 1 {
                color = RGB(gray: pixels[i])
            } else {
                let s = 4 * i
                color = background.mixed(with: RGB(pixels[s], pixels[s + 1], pixels[s + 2]), Float(pixels[s + 3]) / 255)
            }
            out.pixels[3 * i] = color.r
            out.pixels[3 * i + 1] = color.g
            out.pixels[3 * i + 2] = color.b
        }
        return out
    }
}
