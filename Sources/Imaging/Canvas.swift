/// An RGB raster to draw on. Coordinates are pixels, origin top-left, x to the right, y down;
/// everything is clipped to the canvas, so out-of-range shapes are safe.
public struct Canvas: Sendable {
    public private(set) var raster: Raster

    public var width: Int { raster.width }
    public var height: Int { raster.height }

    public init(width: Int, height: Int, background: RGB = .white) {
        raster = Raster(width: width, height: height, channels: 3, fill: [background.r, background.g, background.b])
    }

    /// Starts from an existing picture (converted to RGB).
    public init(_ picture: Raster) {
        raster = picture.rgb()
    }

    // MARK: Pixels

    /// Blends `color` over pixel (x, y) with opacity `alpha`; outside the canvas does nothing.
    public mutating func plot(x: Int, y: Int, _ color: RGB, alpha: Float = 1) {
        guard x >= 0, y >= 0, x < raster.width, y < raster.height else { return }
        let i = (y * raster.width + x) * 3
        if alpha >= 1 {
            raster.pixels[i] = color.r
            raster.pixels[i + 1] = color.g
            raster.pixels[i + 2] = color.b
        } else if alpha > 0 {
            let mixed = RGB(raster.pixels[i], raster.pixels[i + 1], raster.pixels[i + 2]).mixed(with: color, alpha)
            raster.pixels[i] = mixed.r
            raster.pixels[i + 1] = mixed.g
            raster.pixels[i + 2] = mixed.b
        }
    }

    public func color(x: Int, y: Int) -> RGB? {
        guard x >= 0, y >= 0, x < raster.width, y < raster.height else { return nil }
        let i = (y * raster.width + x) * 3
        return RGB(raster.pixels[i], raster.pixels[i + 1], raster.pixels[i + 2])
    }

    // MARK: Shapes

    public mutating func fillRect(x: Int, y: Int, width: Int, height: Int, _ color: RGB, alpha: Float = 1) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(raster.width, x + width), y1 = min(raster.height, y + height)
        guard x0 < x1, y0 < y1 else { return }
        for py in y0..<y1 { for px in x0..<x1 { plot(x: px, y: py, color, alpha: alpha) } }
    }

    /// Rectangle outline `thickness` pixels wide, drawn inside the given bounds.
    public mutating func strokeRect(x: Int, y: Int, width: Int, height: Int, _ color: RGB, thickness: Int = 1) {
        let t = max(1, min(thickness, width, height))
        guard width > 0, height > 0 else { return }
        fillRect(x: x, y: y, width: width, height: t, color)
        fillRect(x: x, y: y + height - t, width: width, height: t, color)
        fillRect(x: x, y: y + t, width: t, height: height - 2 * t, color)
        fillRect(x: x + width - t, y: y + t, width: t, height: height - 2 * t, color)
    }

    /// A straight line (Bresenham) with a square pen `thickness` pixels wide.
    public mutating func drawLine(x0: Int, y0: Int, x1: Int, y1: Int, _ color: RGB, thickness: Int = 1) {
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy, x = x0, y = y0
        let pen = max(1, thickness), lead = (pen - 1) / 2
        // Lines far outside the canvas would loop for nothing; the step count is bounded by
        // the longer axis, which the caller chose, so this is cheap for sane inputs.
        while true {
            if pen == 1 {
                plot(x: x, y: y, color)
            } else {
                fillRect(x: x - lead, y: y - lead, width: pen, height: pen, color)
            }
            if x == x1 && y == y1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// A polyline through `points` (x, y).
    public mutating func drawPolyline(_ points: [(x: Int, y: Int)], _ color: RGB, thickness: Int = 1) {
        guard points.count > 1 else {
            if let p = points.first { plot(x: p.x, y: p.y, color) }
            return
        }
        for i in 1..<points.count {
            drawLine(x0: points[i - 1].x, y0: points[i - 1].y, x1: points[i].x, y1: points[i].y, color, thickness: thickness)
        }
    }

    /// Axis-aligned ellipse centred at (cx, cy). The outline is the set of pixels inside the
    /// ellipse that touch a pixel outside it, `thickness` rings deep.
    public mutating func drawEllipse(
        cx: Double, cy: Double, rx: Double, ry: Double, _ color: RGB,
        filled: Bool = false, thickness: Int = 1, alpha: Float = 1
    ) {
        guard rx > 0, ry > 0 else { return }
        func inside(_ x: Double, _ y: Double, _ a: Double, _ b: Double) -> Bool {
            guard a > 0, b > 0 else { return false }
            let u = (x - cx) / a, v = (y - cy) / b
            return u * u + v * v <= 1
        }
        let t = Double(max(1, thickness))
        let x0 = max(0, Int((cx - rx).rounded(.down))), x1 = min(raster.width - 1, Int((cx + rx).rounded(.up)))
        let y0 = max(0, Int((cy - ry).rounded(.down))), y1 = min(raster.height - 1, Int((cy + ry).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                // Pixel centres are at integer coordinates.
                let px = Double(x), py = Double(y)
                guard inside(px, py, rx, ry) else { continue }
                if filled || !inside(px, py, rx - t, ry - t) { plot(x: x, y: y, color, alpha: alpha) }
            }
        }
    }

    public mutating func drawCircle(
        cx: Double, cy: Double, radius: Double, _ color: RGB,
        filled: Bool = false, thickness: Int = 1, alpha: Float = 1
    ) {
        drawEllipse(cx: cx, cy: cy, rx: radius, ry: radius, color, filled: filled, thickness: thickness, alpha: alpha)
    }

    // MARK: Images

    /// Copies `picture` with its top-left corner at (x, y), scaled by `scale` (nearest neighbour,
    /// so pixels stay crisp); RGBA pictures are alpha-blended.
    public mutating func draw(_ picture: Raster, x: Int, y: Int, scale: Double = 1) {
        guard scale > 0, !picture.isEmpty else { return }
        let w = Int((Double(picture.width) * scale).rounded()), h = Int((Double(picture.height) * scale).rounded())
        let dx0 = max(0, x), dy0 = max(0, y), dx1 = min(raster.width, x + w), dy1 = min(raster.height, y + h)
        guard dx0 < dx1, dy0 < dy1 else { return }
        for py in dy0..<dy1 {
            let sy = min(picture.height - 1, Int(Double(py - y) / scale))
            for px in dx0..<dx1 {
                let sx = min(picture.width - 1, Int(Double(px - x) / scale))
                let s = picture.offset(x: sx, y: sy)
                switch picture.channels {
                case 1: plot(x: px, y: py, RGB(gray: picture.pixels[s]))
                case 3: plot(x: px, y: py, RGB(picture.pixels[s], picture.pixels[s + 1], picture.pixels[s + 2]))
                default:
                    plot(
                        x: px, y: py, RGB(picture.pixels[s], picture.pixels[s + 1], picture.pixels[s + 2]),
                        alpha: Float(picture.pixels[s + 3]) / 255)
                }
            }
        }
    }

    /// Draws a float image through `window` (its own range when nil) and a colour map.
    public mutating func draw(
        _ image: GrayImage, x: Int, y: Int, scale: Double = 1,
        window: ClosedRange<Float>? = nil, colorMap: ColorMap = .gray
    ) {
        draw(Raster(image, window: window, colorMap: colorMap), x: x, y: y, scale: scale)
    }

    /// Tints the pixels where `mask > threshold` with `color` at opacity `alpha`. The mask is
    /// placed like `draw(_:x:y:scale:)`.
    public mutating func overlay(
        mask: GrayImage, x: Int = 0, y: Int = 0, scale: Double = 1,
        _ color: RGB, alpha: Float = 0.4, threshold: Float = 0.5
    ) {
        for p in maskPixels(mask, x: x, y: y, scale: scale, threshold: threshold) {
            plot(x: p.x, y: p.y, color, alpha: alpha)
        }
    }

    /// Outlines the region `mask > threshold`: pixels of the region with a pixel outside it
    /// within `thickness` steps left, right, up or down (so the line lies just inside the region).
    public mutating func drawContour(
        mask: GrayImage, x: Int = 0, y: Int = 0, scale: Double = 1,
        _ color: RGB, threshold: Float = 0.5, thickness: Int = 1
    ) {
        for p in maskPixels(mask, x: x, y: y, scale: scale, threshold: threshold, reach: max(1, thickness)) where p.isBoundary {
            plot(x: p.x, y: p.y, color)
        }
    }

    /// Canvas pixels covered by the region `mask > threshold` placed at (x, y) with `scale`;
    /// a pixel is on the boundary when a pixel up to `reach` steps away along a row or column is not covered.
    private func maskPixels(
        _ mask: GrayImage, x: Int, y: Int, scale: Double,
        threshold: Float, reach: Int = 1
    ) -> [(x: Int, y: Int, isBoundary: Bool)] {
        guard scale > 0, !mask.isEmpty else { return [] }
        let w = Int((Double(mask.width) * scale).rounded()), h = Int((Double(mask.height) * scale).rounded())
        func isInside(_ px: Int, _ py: Int) -> Bool {
            guard px >= x, py >= y, px < x + w, py < y + h else { return false }
            let sx = min(mask.width - 1, Int(Double(px - x) / scale)), sy = min(mask.height - 1, Int(Double(py - y) / scale))
            return mask[sx, sy] > threshold
        }
        let dx0 = max(0, x), dy0 = max(0, y), dx1 = min(raster.width, x + w), dy1 = min(raster.height, y + h)
        guard dx0 < dx1, dy0 < dy1 else { return [] }
        var covered: [(x: Int, y: Int, isBoundary: Bool)] = []
        for py in dy0..<dy1 {
            for px in dx0..<dx1 where isInside(px, py) {
                let boundary = (1...reach).contains { d in
                    !isInside(px - d, py) || !isInside(px + d, py) || !isInside(px, py - d) || !isInside(px, py + d)
                }
                covered.append((px, py, boundary))
            }
        }
        return covered
    }

    // MARK: Text

    /// Draws `text` with the built-in 5×7 font, top-left at (x, y), each font cell `scale`
    /// pixels square. "\n" starts a new line. An optional background box gets a 1-cell margin.
    public mutating func drawText(_ text: String, x: Int, y: Int, _ color: RGB, scale: Int = 1, background: RGB? = nil) {
        let s = max(1, scale)
        if let background {
            let size = BitmapFont.size(of: text, scale: s)
            fillRect(x: x - s, y: y - s, width: size.width + 2 * s, height: size.height + 2 * s, background)
        }
        var penX = x, penY = y
        for character in text {
            if character == "\n" {
                penX = x
                penY += BitmapFont.lineHeight * s
                continue
            }
            let rows = BitmapFont.rows(for: character)
            for (r, bits) in rows.enumerated() {
                for c in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - c)) != 0 {
                    fillRect(x: penX + c * s, y: penY + r * s, width: s, height: s, color)
                }
            }
            penX += BitmapFont.advance * s
        }
    }
}
