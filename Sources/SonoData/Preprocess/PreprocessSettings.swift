import Crypto
import Foundation

/// How an image becomes a training sample. Everything that changes the cached bytes is part of
/// `cacheKey`; normalisation is applied when a sample is read, so switching it rebuilds nothing.
public struct PreprocessSettings: Codable, Sendable, Equatable {
    /// Which frames of a multi-frame file become samples.
    public enum FrameSelection: Codable, Sendable, Equatable {
        case all
        /// Frames 0, n, 2n, …
        case stride(Int)
        case first
    }

    /// Z-score per image (the paper), or with one mean and standard deviation for the dataset.
    public enum Normalisation: String, Codable, Sendable {
        case perImage = "per-image"
        case dataset
    }

    /// Cached sample type: uint8 keeps 8-bit ultrasound exactly at half the size of float16.
    public enum Storage: String, Codable, Sendable {
        case uint8
        case float16
    }

    /// Output height and width (the paper: 256 × 384).
    public var height: Int
    public var width: Int
    public var frames: FrameSelection
    /// Crop to the 2D tissue ultrasound region when the file has one.
    public var cropToTissue: Bool
    public var normalisation: Normalisation
    public var storage: Storage
    /// One sample per 2D tissue region of an instance with several (dual views), instead of the
    /// largest only; an instance with one region is unaffected.
    public var splitViews: Bool
    /// Resample every crop to this many millimetres per pixel (from its region's Physical Delta
    /// X/Y in cm) and centre it in the output, cut where larger and padded with black where
    /// smaller; nil: stretch the crop to the output size. Images without a spacing in cm are
    /// resized plainly (`CohortDataset.unscaledFiles` counts them).
    public var millimetresPerPixel: Double?

    public init(
        height: Int = 256, width: Int = 384, frames: FrameSelection = .all, cropToTissue: Bool = true,
        normalisation: Normalisation = .perImage, storage: Storage = .uint8,
        splitViews: Bool = false, millimetresPerPixel: Double? = nil
    ) throws {
        guard (8...4096).contains(height), (8...4096).contains(width) else {
            throw SonoDataError.invalidSettings("height and width must be in 8...4096, not \(height)×\(width)")
        }
        if case .stride(let n) = frames, n < 1 {
            throw SonoDataError.invalidSettings("frame stride must be ≥ 1, not \(n)")
        }
        if let mm = millimetresPerPixel, !(mm.isFinite && mm > 0 && mm <= 100) {
            throw SonoDataError.invalidSettings("millimetres per pixel must be in (0, 100], not \(mm)")
        }
        self.height = height
        self.width = width
        self.frames = frames
        self.cropToTissue = cropToTissue
        self.normalisation = normalisation
        self.storage = storage
        self.splitViews = splitViews
        self.millimetresPerPixel = millimetresPerPixel
    }

    /// Bumped whenever the preprocessing code changes what it writes.
    static let cacheFormatVersion = 1

    /// Hash of the settings that shape cached bytes: a cache built with other settings is never
    /// reused.
    public var cacheKey: String {
        let frameText: String
        switch frames {
        case .all: frameText = "all"
        case .stride(let n): frameText = "stride\(n)"
        case .first: frameText = "first"
        }
        var text =
            "v\(Self.cacheFormatVersion) \(height)x\(width) frames=\(frameText) crop=\(cropToTissue) storage=\(storage.rawValue) resize=area-or-bilinear gray=luma"
        // Appended only when used, so caches built before these options keep their keys.
        if splitViews { text += " views=split" }
        if let mm = millimetresPerPixel { text += " mm=\(mm)" }
        return SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// The frame indices to use from a file with `count` frames.
    public func frameIndices(count: Int) -> [Int] {
        let count = max(count, 1)
        switch frames {
        case .all: return Array(0..<count)
        case .stride(let n): return Array(stride(from: 0, to: count, by: max(n, 1)))
        case .first: return [0]
        }
    }

    var bytesPerPixel: Int { storage == .uint8 ? 1 : 2 }
    var pixelsPerSample: Int { height * width }
}
