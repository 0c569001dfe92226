extension GrayImage {
    /// A 0/1 mask of an annotation image: 1 where any colour channel is non-zero (and, for RGBA,
    /// alpha is non-zero). Covers 0/255 gray masks, 0/1 label images and coloured RGB masks.
    public init(foregroundOf raster: Raster) {
        self.init(width: raster.width, height: raster.height)
        let c = raster.channels, colours = c == 4 ? 3 : c
        for i in 0..<(raster.width * raster.height) {
            let s = i * c
            if c == 4 && raster.pixels[s + 3] == 0 { continue }
            for k in 0..<colours where raster.pixels[s + k] != 0 {
                pixels[i] = 1
                break
            }
        }
    }

    /// Pixel-wise maximum of same-sized images: merges several mask files of one image.
    public static func union(_ images: [GrayImage]) throws -> GrayImage {
        guard var out = images.first else { throw ImagingError.invalidGeometry("union of no images") }
        for image in images.dropFirst() {
            guard image.width == out.width, image.height == out.height else {
                throw ImagingError.invalidGeometry("cannot merge \(image.width)×\(image.height) with \(out.width)×\(out.height)")
            }
            for i in out.pixels.indices { out.pixels[i] = max(out.pixels[i], image.pixels[i]) }
        }
        return out
    }

    /// The part inside the rectangle, clipped to the image (empty when they do not overlap).
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> GrayImage {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return GrayImage(width: 0, height: 0) }
        var out = GrayImage(width: x1 - x0, height: y1 - y0)
        for row in y0..<y1 {
            let src = row * width, dst = (row - y0) * out.width
            for col in x0..<x1 { out.pixels[dst + col - x0] = pixels[src + col] }
        }
        return out
    }
}

extension Raster {
    /// The part inside the rectangle, clipped to the raster (empty when they do not overlap).
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Raster {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return Raster(width: 0, height: 0, channels: channels) }
        var out = Raster(width: x1 - x0, height: y1 - y0, channels: channels)
        let rowBytes = (x1 - x0) * channels
        for row in y0..<y1 {
            let src = offset(x: x0, y: row), dst = (row - y0) * rowBytes
            out.pixels.replaceSubrange(dst..<(dst + rowBytes), with: pixels[src..<(src + rowBytes)])
        }
        return out
    }
}
