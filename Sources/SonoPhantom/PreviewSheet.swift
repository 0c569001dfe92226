import Foundation
import Imaging

/// A contact sheet of sample frames, each with up to three caption lines (its tags), so a person
/// can judge realism and tag/content agreement at a glance.
enum PreviewSheet {
    static func render(tiles: [(Raster, [String])], title: String, columns: Int = 4, tileWidth: Int = 288) -> Raster {
        guard let first = tiles.first?.0 else { return Raster(width: 1, height: 1, channels: 3) }
        let scale = Double(tileWidth) / Double(first.width)
        let tileHeight = Int((Double(first.height) * scale).rounded())
        let captionLines = 3, padding = 6
        let cellWidth = tileWidth + padding
        let cellHeight = tileHeight + captionLines * BitmapFont.lineHeight + padding
        let columnCount = min(columns, tiles.count)
        let rowCount = (tiles.count + columnCount - 1) / columnCount
        let titleHeight = BitmapFont.lineHeight * 2 + padding
        var canvas = Canvas(
            width: columnCount * cellWidth + padding, height: titleHeight + rowCount * cellHeight + padding, background: RGB(24, 24, 28))
        canvas.drawText(title, x: padding, y: padding, .white, scale: 2)
        let maxChars = tileWidth / BitmapFont.advance
        for (k, tile) in tiles.enumerated() {
            let x = padding + (k % columnCount) * cellWidth
            let y = titleHeight + (k / columnCount) * cellHeight
            let picture = tile.0
            let fitted = picture.resized(
                width: tileWidth, height: max(1, Int((Double(picture.height) * Double(tileWidth) / Double(picture.width)).rounded())),
                method: .area)
            canvas.draw(fitted, x: x, y: y)
            for (line, text) in tile.1.prefix(captionLines).enumerated() {
                canvas.drawText(
                    String(text.prefix(maxChars)), x: x, y: y + tileHeight + 2 + line * BitmapFont.lineHeight,
                    line == 0 ? RGB(240, 200, 60) : RGB(220, 220, 220))
            }
        }
        return canvas.raster
    }
}
