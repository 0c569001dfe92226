import DICOM
import Imaging

/// What the cache builder does to each decoded frame — gray values scaled to 0…255, crop, resize
/// (area when shrinking, else bilinear) and the uint8-range scaling — public so that
/// `sonotag dicom bench` times the product's own path, not a resize of its own.
public struct FramePipeline: Sendable {
    private let preprocessor: FramePreprocessor

    public init(settings: PreprocessSettings) { preprocessor = FramePreprocessor(settings: settings) }

    /// The cache's view of a decoded frame: the DICOM module's 0…1 gray scaled to 0…255, so 8-bit
    /// ultrasound is stored exactly in uint8 caches.
    static func cacheImage(_ gray: GrayscaleImage) throws -> GrayImage {
        // A pointer loop the compiler vectorises; `map`'s closure measured 11% of a frame's time.
        let scaled = [Float](unsafeUninitializedCapacity: gray.pixels.count) { out, initialized in
            gray.pixels.withUnsafeBufferPointer { source in
                for i in source.indices { out[i] = source[i] * 255 }
            }
            initialized = gray.pixels.count
        }
        return try GrayImage(width: gray.columns, height: gray.rows, pixels: scaled)
    }

    /// The stored values of one whole frame, `settings.height × settings.width`. There is no
    /// tissue crop: a file read outside a manifest has no crawled region to crop to.
    public func process(_ gray: GrayscaleImage) throws -> [Float] {
        let image = try Self.cacheImage(gray)
        return try preprocessor.process(image, box: CropBox(x0: 0, y0: 0, x1: image.width, y1: image.height))
    }
}
