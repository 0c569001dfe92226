import Imaging

/// Pictures of a prediction against the truth over the image.
public enum SegmentationOverlay {
    public static let truthColor = RGB(40, 220, 90)
    public static let predictionColor = RGB(240, 60, 60)

    /// The image (windowed to its own range, or `window`) with the prediction tinted and outlined
    /// in red and the truth outlined in green, a small legend, and an optional caption strip
    /// below (e.g. "case 12  Dice 0.912"). `scale` enlarges small images (nearest neighbour).
    public static func render(
        image: GrayImage, prediction: BinaryMask, truth: BinaryMask?, scale: Int = 1,
        window: ClosedRange<Float>? = nil, caption: String? = nil
    ) throws -> Raster {
        guard prediction.width == image.width, prediction.height == image.height else {
            throw EvaluationError.sizeMismatch(
                "prediction \(prediction.width)×\(prediction.height) vs image \(image.width)×\(image.height)")
        }
        if let truth, truth.width != image.width || truth.height != image.height {
            throw EvaluationError.sizeMismatch("truth \(truth.width)×\(truth.height) vs image \(image.width)×\(image.height)")
        }
        let s = max(1, scale)
        let captionHeight = caption == nil ? 0 : BitmapFont.lineHeight + 4
        var canvas = Canvas(width: image.width * s, height: image.height * s + captionHeight, background: .black)
        canvas.draw(image, x: 0, y: 0, scale: Double(s), window: window)
        let predicted = prediction.grayImage
        canvas.overlay(mask: predicted, scale: Double(s), predictionColor, alpha: 0.3)
        canvas.drawContour(mask: predicted, scale: Double(s), predictionColor, thickness: (s + 1) / 2)
        if let truth { canvas.drawContour(mask: truth.grayImage, scale: Double(s), truthColor, thickness: (s + 1) / 2) }
        var legendX = 3
        if truth != nil {
            canvas.drawText("truth", x: legendX, y: 3, truthColor, background: .black)
            legendX += BitmapFont.size(of: "truth ").width + 4
        }
        canvas.drawText("pred", x: legendX, y: 3, predictionColor, background: .black)
        if let caption {
            canvas.drawText(caption, x: 3, y: image.height * s + 3, .white)
        }
        return canvas.raster
    }
}
