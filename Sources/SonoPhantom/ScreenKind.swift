import DICOM
import Foundation
import Imaging
import SeededRandom

/// What a phantom instance's screen shows. Real archives mix B-mode with colour Doppler,
/// Doppler strips and report pages; the phantom writes them only when asked
/// (`PhantomOptions.otherKindsShare`), so the default cohort stays pure B-mode.
public enum ScreenKind: String, Sendable, Codable, CaseIterable {
    case bmode
    /// A colour-flow box inside the B-mode region, with its colour-flow region (data type 2).
    case colourFlow = "colour_flow"
    /// The B-mode image above a PW spectral Doppler strip (spatial format 3, data type 3).
    case dopplerStrip = "spectral_doppler"
    /// A measurement/report page: Secondary Capture, Image Type DERIVED\SECONDARY, no regions.
    case reportPage = "report_page"

    /// The kind of one instance: its own stream (from the image seed), so choosing kinds never
    /// moves the cohort's other random draws. A cine loop is never a report page.
    static func choose(share: Double?, imageSeed: UInt64, cine: Bool) -> ScreenKind {
        guard let share, share > 0 else { return .bmode }
        var rng = SplitMix64(seed: imageSeed ^ 0x6B69_6E64_7320_7631)
        guard rng.chance(share) else { return .bmode }
        let others: [ScreenKind] = cine ? [.colourFlow, .dopplerStrip] : [.colourFlow, .dopplerStrip, .reportPage]
        return rng.pick(others)
    }
}

/// Draws the non-B-mode screens and the region items a scanner writes for them.
enum ScreenLayouts {
    static let secondaryCaptureClass = "1.2.840.10008.5.1.4.1.1.7"

    /// The colour box: the middle third of the region in each direction.
    static func colourBox(_ region: ImagingRegion) -> (minX: Int, minY: Int, maxX: Int, maxY: Int) {
        let w = region.width / 3, h = region.height / 3
        return (region.minX + w, region.minY + h, region.minX + 2 * w, region.minY + 2 * h)
    }

    /// Paints flow into the box: red towards the probe, blue away, in bands, over the tissue
    /// pixels only (black outside the sector stays black), as a scanner's colour map does.
    static func paintColourFlow(_ screen: inout Raster, region: ImagingRegion, frame: Int) {
        let box = colourBox(region)
        var pixels = screen.pixels
        for y in box.minY...box.maxY {
            for x in box.minX...box.maxX {
                let k = 3 * (y * screen.width + x)
                guard pixels[k] > 8 else { continue }
                let band = ((x - box.minX) / 4 + (y - box.minY) / 6 + frame) % 5
                guard band < 3 else { continue }
                let level = UInt8(150 + 35 * band)
                if (x - box.minX) < (box.maxX - box.minX) / 2 {
                    pixels[k] = level; pixels[k + 1] = 20; pixels[k + 2] = 10
                } else {
                    pixels[k] = 10; pixels[k + 1] = 40; pixels[k + 2] = level
                }
            }
        }
        screen = (try? Raster(width: screen.width, height: screen.height, channels: 3, pixels: pixels)) ?? screen
    }

    /// First row of the Doppler strip: the bottom 35 % of the screen.
    static func stripTop(rows: Int) -> Int { rows - rows * 35 / 100 }

    /// The strip: black, a baseline, and a pulsatile velocity envelope filled in grey.
    static func drawDopplerStrip(_ screen: inout Raster, frame: Int) {
        var canvas = Canvas(screen)
        let top = stripTop(rows: screen.height)
        let height = screen.height - top
        canvas.fillRect(x: 0, y: top, width: screen.width, height: height, RGB(0, 0, 0))
        let baseline = top + height * 3 / 4
        for x in 0..<screen.width {
            let phase = Double((x + 7 * frame) % 48) / 48
            let velocity = phase < 0.3 ? sin(phase / 0.3 * Double.pi) : 0.25 * (1 - phase)
            let peak = Int(velocity * Double(height) * 0.65)
            for dy in 0..<max(1, peak) {
                let grey = UInt8(max(40, 230 - dy * 3))
                canvas.fillRect(x: x, y: baseline - dy, width: 1, height: 1, RGB(grey, grey, grey))
            }
        }
        canvas.fillRect(x: 0, y: baseline, width: screen.width, height: 1, RGB(200, 200, 200))
        screen = canvas.raster
    }

    /// A report page: measurements as text on black, nothing of the image.
    static func reportPage(rows: Int, columns: Int, annotation: ScreenAnnotation, description: String?) -> Raster {
        var canvas = Canvas(width: columns, height: rows, background: RGB(0, 0, 0))
        let lines = [
            "\(annotation.institution)", "ULTRASOUND REPORT", description ?? "", "",
            "MEASUREMENTS", "DIST 1   2.41 CM", "DIST 2   1.87 CM", "AREA     3.52 CM2",
            String(format: "DEPTH    %.1f CM", annotation.settings.depthMM / 10), "PROBE    \(annotation.probe)"
        ]
        var y = 4
        for line in lines where y + BitmapFont.glyphHeight < rows {
            canvas.drawText(String(line.prefix(max(1, (columns - 4) / BitmapFont.advance))), x: 4, y: y, RGB(230, 230, 230))
            y += BitmapFont.lineHeight + 2
        }
        return canvas.raster
    }

    /// Region item of the colour box (spatial format 2D, data type colour flow).
    static func colourFlowItem(_ region: ImagingRegion, spec: ImageSpec) -> DataSet {
        let box = colourBox(region)
        var colour = InstanceHeader.tissueRegion(region, spec: spec)
        colour.dataType = 2
        colour.minX0 = box.minX
        colour.minY0 = box.minY
        colour.maxX1 = box.maxX
        colour.maxY1 = box.maxY
        colour.pulseRepetitionFrequency = 4000  // Hz
        return colour.dataSetItem
    }

    /// Region item of the strip: spectral, PW, seconds across and cm/s up from the baseline.
    static func dopplerItem(rows: Int, columns: Int) -> DataSet {
        let top = stripTop(rows: rows), height = rows - top
        var strip = UltrasoundRegion(
            minX0: 0, minY0: top, maxX1: columns - 1, maxY1: rows - 1,
            spatialFormat: 3, dataType: 3, flags: 0)  // spectral, PW spectral Doppler
        strip.referencePixelX0 = 0
        strip.referencePixelY0 = height * 3 / 4  // the baseline
        strip.physicalUnitsX = 4  // seconds
        strip.physicalUnitsY = 7  // cm/s
        strip.referencePixelPhysicalValueX = 0
        strip.referencePixelPhysicalValueY = 0
        strip.physicalDeltaX = 0.01
        strip.physicalDeltaY = -2.0  // velocity grows upwards: a negative delta, as scanners write
        strip.pulseRepetitionFrequency = 4000
        return strip.dataSetItem
    }
}
