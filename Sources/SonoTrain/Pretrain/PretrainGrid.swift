import Foundation
import Imaging
import SonoModels
import Torch

/// The in-painting figure (the paper's Figure 5): one row per image — masked input | input with
/// the predicted centre pasted in | original — with the image's weak-label tags above the row.
public enum PretrainGrid {
    /// Renders the figure for `images` (N×1×H×W, z-scored) and `predictions` (N×1×h×w centres).
    public static func render(
        images: Tensor, masked: Tensor, predictions: Tensor, mask: CentreMask,
        captions: [String], title: String
    ) throws -> Raster {
        let n = images.shape[0], h = mask.imageHeight, w = mask.imageWidth
        let full = try images.to(device: .cpu, dtype: .float32).contiguous().toArray(of: Float.self)
        let hidden = try masked.to(device: .cpu, dtype: .float32).contiguous().toArray(of: Float.self)
        let centre = try predictions.to(device: .cpu, dtype: .float32).contiguous().toArray(of: Float.self)
        let c = mask.centre
        guard full.count == n * h * w, hidden.count == full.count, centre.count == n * c.height * c.width else {
            throw PretrainError.invalidBatch(
                reason: "grid: images \(images.shape), masked \(masked.shape), predictions \(predictions.shape) disagree")
        }
        let gap = 4, captionHeight = BitmapFont.lineHeight + 2, titleHeight = BitmapFont.lineHeight + 6
        let width = 3 * w + 4 * gap
        let rowHeight = captionHeight + h + gap
        var canvas = Canvas(width: width, height: titleHeight + n * rowHeight + gap, background: .black)
        canvas.drawText(title, x: gap, y: 3, .white)
        for i in 0..<n {
            let original = Array(full[(i * h * w)..<((i + 1) * h * w)])
            var pasted = Array(hidden[(i * h * w)..<((i + 1) * h * w)])
            for y in 0..<c.height {
                for x in 0..<c.width {
                    pasted[(c.top + y) * w + c.left + x] = centre[i * c.height * c.width + y * c.width + x]
                }
            }
            // One window per row (the original's range), so all three panels share a gray scale.
            let lo = original.min() ?? -1, hi = original.max() ?? 1
            let window: ClosedRange<Float> = lo < hi ? lo...hi : (lo - 1)...(lo + 1)
            let top = titleHeight + i * rowHeight
            let caption = i < captions.count ? captions[i] : ""
            canvas.drawText(caption.isEmpty ? "#\(i + 1)" : "#\(i + 1) \(caption)", x: gap, y: top + 1, .yellow)
            let panels = [Array(hidden[(i * h * w)..<((i + 1) * h * w)]), pasted, original]
            for (k, pixels) in panels.enumerated() {
                let image = try GrayImage(width: w, height: h, pixels: pixels)
                canvas.draw(image, x: gap + k * (w + gap), y: top + captionHeight, window: window)
            }
            canvas.strokeRect(
                x: gap + w + gap + c.left - 1, y: top + captionHeight + c.top - 1,
                width: c.width + 2, height: c.height + 2, .cyan)
        }
        return canvas.raster
    }
}
