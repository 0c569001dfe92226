import XCTest

@testable import Imaging

final class DrawingTests: XCTestCase {
    private func count(_ canvas: Canvas, _ color: RGB) -> Int {
        var n = 0
        for y in 0..<canvas.height { for x in 0..<canvas.width where canvas.color(x: x, y: y) == color { n += 1 } }
        return n
    }

    func testFontTableIsComplete() {
        XCTAssertEqual(BitmapFont.artwork.count, 126 - 32 + 1)
        for (i, art) in BitmapFont.artwork.enumerated() {
            let rows = art.split(separator: "/")
            XCTAssertTrue(rows.count == 7 || rows.count == 9, "glyph \(i + 32)")
            XCTAssertTrue(rows.allSatisfy { $0.count == 5 && $0.allSatisfy { $0 == "#" || $0 == "." } }, "glyph \(i + 32)")
        }
        // Every visible character has ink; space has none; glyphs are distinct.
        XCTAssertEqual(BitmapFont.glyphs[0], [0, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertTrue(BitmapFont.glyphs.allSatisfy { $0.count == BitmapFont.glyphHeight })
        XCTAssertTrue(BitmapFont.glyphs.dropFirst().allSatisfy { $0.contains { $0 != 0 } })
        XCTAssertEqual(Set(BitmapFont.glyphs.map { $0.map(String.init).joined(separator: ",") }).count, 95)
    }

    func testTextInkCountForKnownGlyphs() {
        // "I": .###. then five ..#.. then .###. = 3 + 5 + 3 = 11 cells; "H": 2·6 + 5 = 17 cells.
        var canvas = Canvas(width: 40, height: 30, background: .white)
        canvas.drawText("I", x: 2, y: 2, .black, scale: 2)
        XCTAssertEqual(count(canvas, .black), 11 * 4)
        canvas = Canvas(width: 60, height: 30, background: .white)
        canvas.drawText("IH", x: 1, y: 1, .red, scale: 3)
        XCTAssertEqual(count(canvas, .red), (11 + 17) * 9)
        // The top bar of "I" starts one cell in: cell (1, 0) inked, (0, 0) not.
        XCTAssertEqual(canvas.color(x: 1 + 3, y: 1), .red)
        XCTAssertEqual(canvas.color(x: 1, y: 1), .white)
    }

    func testTextSizeAndUnknownCharacters() {
        XCTAssertEqual(BitmapFont.size(of: "abc", scale: 2).width, (3 * 6 - 1) * 2)
        XCTAssertEqual(BitmapFont.size(of: "ab\nc").height, 10 + 9)
        XCTAssertEqual(BitmapFont.rows(for: "é"), BitmapFont.rows(for: "?"))
        // Report titles use "·" and "±": they have glyphs of their own (one dot; a plus over a bar).
        XCTAssertNotEqual(BitmapFont.rows(for: "·"), BitmapFont.rows(for: "?"))
        XCTAssertEqual(BitmapFont.rows(for: "·").map { $0.nonzeroBitCount }.reduce(0, +), 1)
        XCTAssertEqual(BitmapFont.rows(for: "±").map { $0.nonzeroBitCount }.reduce(0, +), 5 + 4 + 5)
    }

    func testShapes() {
        var canvas = Canvas(width: 20, height: 20, background: .black)
        canvas.fillRect(x: -5, y: 18, width: 10, height: 10, .white)  // clipped to 5 × 2
        XCTAssertEqual(count(canvas, .white), 10)
        canvas = Canvas(width: 20, height: 20, background: .black)
        canvas.drawLine(x0: 0, y0: 0, x1: 9, y1: 9, .green)
        XCTAssertEqual(count(canvas, .green), 10)
        canvas.drawLine(x0: 0, y0: 19, x1: 19, y1: 19, .blue, thickness: 3)  // half outside
        XCTAssertEqual(count(canvas, .blue), 40)
        canvas = Canvas(width: 20, height: 20, background: .black)
        canvas.strokeRect(x: 2, y: 2, width: 6, height: 5, .yellow)
        XCTAssertEqual(count(canvas, .yellow), 2 * 6 + 2 * 3)
    }

    func testFilledCircleAreaAndOutlineIsHollow() {
        var canvas = Canvas(width: 100, height: 100, background: .black)
        canvas.drawCircle(cx: 50, cy: 50, radius: 20, .white, filled: true)
        XCTAssertEqual(Double(count(canvas, .white)), Double.pi * 400, accuracy: 30)
        canvas = Canvas(width: 100, height: 100, background: .black)
        canvas.drawCircle(cx: 50, cy: 50, radius: 20, .white)
        XCTAssertEqual(canvas.color(x: 50, y: 50), .black)
        XCTAssertEqual(canvas.color(x: 70, y: 50), .white)
        XCTAssertEqual(Double(count(canvas, .white)), 2 * Double.pi * 20, accuracy: 25)
    }

    func testOverlayBlendsAndContourTracesTheBoundary() throws {
        var mask = GrayImage(width: 10, height: 10)
        for y in 2..<7 { for x in 3..<8 { mask[x, y] = 1 } }  // 5 × 5 square
        var canvas = Canvas(width: 10, height: 10, background: RGB(gray: 100))
        canvas.overlay(mask: mask, RGB(200, 0, 0), alpha: 0.5)
        XCTAssertEqual(canvas.color(x: 4, y: 4), RGB(150, 50, 50))
        XCTAssertEqual(canvas.color(x: 0, y: 0), RGB(gray: 100))
        canvas = Canvas(width: 20, height: 20, background: .black)
        canvas.drawContour(mask: mask, scale: 2, .cyan)
        XCTAssertEqual(count(canvas, .cyan), 4 * 10 - 4)  // perimeter of the scaled 10 × 10 square
    }

    func testBlitScalesAndBlendsAlpha() throws {
        let picture = try Raster(width: 2, height: 1, channels: 4, pixels: [255, 0, 0, 255, 0, 0, 255, 0])
        var canvas = Canvas(width: 10, height: 10, background: .white)
        canvas.draw(picture, x: 1, y: 1, scale: 3)
        XCTAssertEqual(count(canvas, RGB(255, 0, 0)), 9)
        XCTAssertEqual(canvas.color(x: 5, y: 2), .white)  // fully transparent pixel
    }

    func testLumaAndWindowing() throws {
        let raster = try Raster(width: 3, height: 1, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255])
        let luma = GrayImage(raster)
        XCTAssertEqual(luma.pixels[0], 76.245, accuracy: 1e-3)
        XCTAssertEqual(luma.pixels[1], 149.685, accuracy: 1e-3)
        XCTAssertEqual(luma.pixels[2], 29.07, accuracy: 1e-3)
        let image = try GrayImage(width: 4, height: 1, pixels: [-1, 0, 0.5, 2])
        XCTAssertEqual(Raster(image, window: 0...1).pixels, [0, 0, 128, 255])
        XCTAssertEqual(Raster(image).pixels, [0, 85, 128, 255])
        XCTAssertEqual(Raster(image, window: 0...1, colorMap: .gray).pixels, [0, 0, 0, 0, 0, 0, 128, 128, 128, 255, 255, 255])
        let z = image.zScored()
        XCTAssertEqual(z.pixels.reduce(0, +), 0, accuracy: 1e-5)
    }

    func testContactSheetLayout() throws {
        let tile = ContactSheet.Tile(Raster(width: 20, height: 10, channels: 1, fill: [255]), caption: "a long caption here")
        let sheet = ContactSheet(columns: 2, tileWidth: 40, tileHeight: 20)
        let out = sheet.render([tile, tile, tile])
        // 2 columns: 2 × (40 + 6) + 6; 2 rows of (20 + caption line + 2 + 6) + 6.
        XCTAssertEqual(out.width, 98)
        XCTAssertEqual(out.height, 2 * (20 + BitmapFont.lineHeight + 2 + 6) + 6)
        XCTAssertEqual(out.channels, 3)
        XCTAssertEqual(ContactSheet.truncated("abcdefgh", to: 6), "abc...")
    }
}

final class MaskHelperTests: XCTestCase {
    func testForegroundOfGrayColourAndTransparentMasks() throws {
        let gray = try Raster(width: 3, height: 1, channels: 1, pixels: [0, 255, 1])
        XCTAssertEqual(GrayImage(foregroundOf: gray).pixels, [0, 1, 1])
        let rgb = try Raster(width: 2, height: 1, channels: 3, pixels: [0, 0, 0, 0, 0, 200])
        XCTAssertEqual(GrayImage(foregroundOf: rgb).pixels, [0, 1])
        let rgba = try Raster(width: 2, height: 1, channels: 4, pixels: [255, 0, 0, 0, 255, 0, 0, 255])
        XCTAssertEqual(GrayImage(foregroundOf: rgba).pixels, [0, 1])
    }

    func testUnionAndCrop() throws {
        let a = try GrayImage(width: 2, height: 2, pixels: [1, 0, 0, 0])
        let b = try GrayImage(width: 2, height: 2, pixels: [0, 0, 0, 1])
        XCTAssertEqual(try GrayImage.union([a, b]).pixels, [1, 0, 0, 1])
        XCTAssertThrowsError(try GrayImage.union([a, GrayImage(width: 1, height: 2)]))
        XCTAssertThrowsError(try GrayImage.union([]))
        let image = try GrayImage(width: 3, height: 3, pixels: (0..<9).map(Float.init))
        XCTAssertEqual(image.cropped(x: 1, y: 1, width: 5, height: 5).pixels, [4, 5, 7, 8])
        XCTAssertTrue(image.cropped(x: 5, y: 0, width: 2, height: 2).isEmpty)
        let raster = try Raster(width: 3, height: 2, channels: 3, pixels: (0..<18).map(UInt8.init))
        XCTAssertEqual(raster.cropped(x: 1, y: 0, width: 1, height: 2).pixels, [3, 4, 5, 12, 13, 14])
    }
}
