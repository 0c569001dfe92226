import Foundation
import Imaging

/// What a scanner burns into the pixels around the image: header, parameter column, depth scale.
struct ScreenAnnotation: Sendable {
    var institution = "PHANTOM GENERAL HOSP"
    var date: String  // YYYYMMDD
    var time: String  // HHMMSS
    var probe: String
    var preset: String
    var settings: AcquisitionSettings
    var frameRate: Int
}

/// Turns a grey B-mode frame into the RGB screen a scanner exports: the image inside its region,
/// text and scales in the margins only, never over the imaging region.
enum ScreenComposer {
    static let textColor = RGB(225, 225, 225)
    static let accent = RGB(240, 200, 60)

    static func compose(_ frame: BModeFrame, region: ImagingRegion, annotation: ScreenAnnotation) -> Raster {
        var rgb = [UInt8](repeating: 0, count: frame.pixels.count * 3)
        for (k, v) in frame.pixels.enumerated() {
            rgb[3 * k] = v; rgb[3 * k + 1] = v; rgb[3 * k + 2] = v
        }
        guard let raster = try? Raster(width: frame.columns, height: frame.rows, channels: 3, pixels: rgb) else {
            return Raster(width: frame.columns, height: frame.rows, channels: 3)
        }
        var canvas = Canvas(raster)
        let s = annotation.settings
        let a = annotation
        let date = a.date.count == 8 ? "\(a.date.prefix(4))-\(a.date.dropFirst(4).prefix(2))-\(a.date.suffix(2))" : a.date
        let time = a.time.count == 6 ? "\(a.time.prefix(2)):\(a.time.dropFirst(2).prefix(2)):\(a.time.suffix(2))" : a.time

        // Header: as many lines as fit above the region.
        let headerLines = [
            "\(a.institution)  \(date) \(time)",
            "\(a.probe) \(a.preset)  MI 1.\(Int(s.depthMM) % 4)  TIS 0.\(Int(s.gainDB.magnitude) % 5 + 2)"
        ]
        let headerWidth = frame.columns - 2
        var y = 1
        for line in headerLines where y + BitmapFont.glyphHeight < region.minY {
            drawClipped(&canvas, line, x: 2, y: y, maxWidth: headerWidth, color: textColor)
            y += BitmapFont.lineHeight
        }

        // Parameter column left of the region.
        let columnWidth = region.minX - 4
        if columnWidth >= BitmapFont.advance * 3 {
            let lines = [
                "B", String(format: "%.1fMHz", s.transducer.centreFrequencyMHz),
                String(format: "D%.1fcm", s.depthMM / 10), String(format: "G%+.0fdB", s.gainDB),
                String(format: "DR%.0f", s.dynamicRangeDB), "FR\(a.frameRate)"
            ]
            var ly = region.minY + 1
            for line in lines where ly + BitmapFont.glyphHeight <= region.maxY {
                drawClipped(&canvas, line, x: 2, y: ly, maxWidth: columnWidth, color: textColor)
                ly += BitmapFont.lineHeight
            }
            // Orientation marker at the probe's left edge.
            canvas.fillRect(x: region.minX - 4, y: region.minY, width: 3, height: 3, accent)
        }

        // Depth scale: a tick every centimetre and the focus marker, right of the region.
        let scaleX = region.maxX + 2
        if scaleX + 3 <= frame.columns {
            let pixelsPerCM = 10 / region.pixelSpacingMM
            let top = Double(region.minY) - region.originZMM / region.pixelSpacingMM
            var cm = 0
            while true {
                let ty = Int((top + Double(cm) * pixelsPerCM).rounded())
                if ty > region.maxY { break }
                if ty >= region.minY { canvas.fillRect(x: scaleX, y: ty, width: cm % 5 == 0 ? 3 : 2, height: 1, textColor) }
                cm += 1
            }
            let fy = Int((top + s.focusDepthMM / region.pixelSpacingMM).rounded())
            if fy >= region.minY && fy + 2 <= region.maxY {
                canvas.fillRect(x: scaleX, y: fy - 1, width: 1, height: 3, accent)
                canvas.fillRect(x: scaleX + 1, y: fy, width: 1, height: 1, accent)
            }
        }
        return canvas.raster
    }

    /// Draws text cut to whole characters within `maxWidth` pixels.
    private static func drawClipped(_ canvas: inout Canvas, _ text: String, x: Int, y: Int, maxWidth: Int, color: RGB) {
        let fit = max(0, (maxWidth + 1) / BitmapFont.advance)
        guard fit > 0 else { return }
        canvas.drawText(String(text.prefix(fit)), x: x, y: y, color)
    }
}
