import Foundation
import Imaging

/// Decodes the grayscale frames of a manifest file (the DICOM-backed implementation is
/// `DICOMFrameDecoder`; tests can supply synthetic frames).
protocol FrameDecoding: Sendable {
    /// Calls `body` with each requested grayscale frame (palette applied, RGB → luma,
    /// MONOCHROME1 inverted), one at a time so a long cine never sits in memory whole.
    func forEachGrayscaleFrame(of file: FileRecord, indices: [Int], _ body: (Int, GrayImage) throws -> Void) throws
}

/// Crop → resize → stored-value scaling, for one frame.
struct FramePreprocessor: Sendable {
    let settings: PreprocessSettings

    /// The crop box for a file: its 2D tissue region when asked and plausible, else the image.
    func cropBox(for file: FileRecord, width: Int, height: Int) -> CropBox {
        let whole = CropBox(x0: 0, y0: 0, x1: width, y1: height)
        guard settings.cropToTissue, let box = file.cropBox else { return whole }
        let x0 = max(0, min(box.x0, width)), x1 = max(x0, min(box.x1, width))
        let y0 = max(0, min(box.y0, height)), y1 = max(y0, min(box.y1, height))
        // A region of a few pixels is a broken header, not a tissue image: keep the whole frame.
        guard x1 - x0 >= 8, y1 - y0 >= 8 else { return whole }
        return CropBox(x0: x0, y0: y0, x1: x1, y1: y1)
    }

    /// The values to store: `height × width`, in [0, 255] for uint8 storage (8-bit data unchanged;
    /// wider ranges min–max scaled, which per-image z-scoring does not see).
    func process(_ frame: GrayImage, box: CropBox) throws -> [Float] {
        var cropped = [Float](repeating: 0, count: box.width * box.height)
        for y in 0..<box.height {
            let row = (box.y0 + y) * frame.width + box.x0
            for x in 0..<box.width { cropped[y * box.width + x] = frame.pixels[row + x] }
        }
        let image = try GrayImage(width: box.width, height: box.height, pixels: cropped)
        let shrinking = box.width >= settings.width && box.height >= settings.height
        let resized = image.resized(width: settings.width, height: settings.height, method: shrinking ? .area : .bilinear)
        var pixels = resized.pixels
        if settings.storage == .uint8 {
            var low = Float.infinity, high = -Float.infinity
            for value in pixels where value.isFinite { low = min(low, value); high = max(high, value) }
            if low < 0 || high > 255 {
                let scale: Float = high > low ? 255 / (high - low) : 0
                for i in pixels.indices { pixels[i] = (pixels[i] - low) * scale }
            }
        }
        return pixels
    }
}
