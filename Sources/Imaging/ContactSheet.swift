/// Lays out pictures in a grid with a caption under each, for galleries and in-painting grids.
public struct ContactSheet: Sendable {
    public struct Tile: Sendable {
        public var picture: Raster
        public var caption: String

        public init(_ picture: Raster, caption: String = "") {
            self.picture = picture
            self.caption = caption
        }

        public init(_ image: GrayImage, window: ClosedRange<Float>? = nil, caption: String = "") {
            self.init(Raster(image, window: window), caption: caption)
        }
    }

    public var columns: Int
    /// Box each picture is fitted into (aspect kept, centred, never enlarged beyond `maxUpscale`).
    public var tileWidth: Int
    public var tileHeight: Int
    public var padding = 6
    public var textScale = 1
    public var maxUpscale: Double = 4
    public var background = RGB.white
    public var textColor = RGB.black
    public var title: String?

    public init(columns: Int, tileWidth: Int, tileHeight: Int, title: String? = nil) {
        self.columns = max(1, columns)
        self.tileWidth = max(1, tileWidth)
        self.tileHeight = max(1, tileHeight)
        self.title = title
    }

    public func render(_ tiles: [Tile]) -> Raster {
        let columnCount = max(1, min(columns, tiles.count))
        let rowCount = (tiles.count + columnCount - 1) / columnCount
        let captionHeight = tiles.contains { !$0.caption.isEmpty } ? (BitmapFont.lineHeight + 2) * textScale : 0
        let titleHeight = title.map { BitmapFont.size(of: $0, scale: textScale + 1).height + padding } ?? 0
        let cellWidth = tileWidth + padding, cellHeight = tileHeight + captionHeight + padding
        var canvas = Canvas(
            width: columnCount * cellWidth + padding,
            height: titleHeight + rowCount * cellHeight + padding, background: background)
        if let title { canvas.drawText(title, x: padding, y: padding, textColor, scale: textScale + 1) }
        let maxChars = max(1, (tileWidth + 1) / (BitmapFont.advance * textScale))
        for (index, tile) in tiles.enumerated() {
            let left = padding + (index % columnCount) * cellWidth
            let top = titleHeight + padding + (index / columnCount) * cellHeight
            let picture = tile.picture
            if !picture.isEmpty {
                let scale = min(Double(tileWidth) / Double(picture.width), Double(tileHeight) / Double(picture.height), maxUpscale)
                let w = max(1, Int((Double(picture.width) * scale).rounded()))
                let h = max(1, Int((Double(picture.height) * scale).rounded()))
                // Shrinking averages (no aliasing); enlarging stays pixel-crisp.
                let fitted =
                    scale < 1 ? picture.resized(width: w, height: h, method: .area) : picture.resized(width: w, height: h, method: .nearest)
                canvas.draw(fitted, x: left + (tileWidth - w) / 2, y: top + (tileHeight - h) / 2)
            }
            if !tile.caption.isEmpty {
                canvas.drawText(
                    Self.truncated(tile.caption, to: maxChars), x: left, y: top + tileHeight + 2 * textScale,
                    textColor, scale: textScale)
            }
        }
        return canvas.raster
    }

    static func truncated(_ text: String, to count: Int) -> String {
        let oneLine = text.replacingOccurrences(of: "\n", with: " ")
        guard oneLine.count > count else { return oneLine }
        return count > 3 ? String(oneLine.prefix(count - 3)) + "..." : String(oneLine.prefix(count))
    }
}
