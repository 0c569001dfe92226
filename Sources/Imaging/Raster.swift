/// An 8-bit image with 1 (gray), 3 (RGB) or 4 (RGBA) interleaved channels, stored row-major.
public struct Raster: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    /// Wraps existing samples; throws when the sample count does not match the geometry.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard width >= 0, height >= 0 else {
            throw ImagingError.invalidGeometry("negative size \(width)×\(height)")
        }
        guard [1, 3, 4].contains(channels) else {
            throw ImagingError.invalidGeometry("channels must be 1, 3 or 4, got \(channels)")
        }
        guard pixels.count == width * height * channels else {
            throw ImagingError.invalidGeometry(
                "\(pixels.count) samples for \(width)×\(height)×\(channels) (expected \(width * height * channels))")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A raster filled with one value per channel (`value` is repeated when it has one element).
    /// Negative sizes become empty images; `channels` must be 1, 3 or 4 (a programming error otherwise).
    public init(width: Int, height: Int, channels: Int, fill value: [UInt8] = [0]) {
        precondition([1, 3, 4].contains(channels), "Raster channels must be 1, 3 or 4")
        precondition(value.count == 1 || value.count == channels, "fill value needs 1 or \(channels) samples")
        let w = max(0, width), h = max(0, height)
        self.width = w
        self.height = h
        self.channels = channels
        if value.count == 1 {
            pixels = [UInt8](repeating: value[0], count: w * h * channels)
        } else {
            var p = [UInt8]()
            p.reserveCapacity(w * h * channels)
            for _ in 0..<(w * h) { p.append(contentsOf: value) }
            pixels = p
        }
    }

    /// Index of the first sample of pixel (x, y).
    @inlinable public func offset(x: Int, y: Int) -> Int { (y * width + x) * channels }

    /// Sample of channel `c` at (x, y); the caller keeps coordinates in range.
    @inlinable public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    public var isEmpty: Bool { width == 0 || height == 0 }
}

/// A single-channel floating point image, row-major. Intensity units are the caller's
/// (0…255 after conversion from a `Raster`, z-scores after normalisation, probabilities for masks).
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) throws {
        guard width >= 0, height >= 0, pixels.count == width * height else {
            throw ImagingError.invalidGeometry("\(pixels.count) values for a \(width)×\(height) gray image")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int, fill value: Float = 0) {
        self.width = max(0, width)
        self.height = max(0, height)
        pixels = [Float](repeating: value, count: self.width * self.height)
    }

    @inlinable public subscript(x: Int, y: Int) -> Float {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    public var isEmpty: Bool { width == 0 || height == 0 }

    /// Smallest and largest value, or nil for an empty image. NaNs are ignored.
    public var range: ClosedRange<Float>? {
        var lo = Float.infinity, hi = -Float.infinity
        for v in pixels where !v.isNaN {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        return lo <= hi ? lo...hi : nil
    }
}

/// Failures of image decoding, encoding and geometry checks. File errors name the file.
public enum ImagingError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unsupportedFormat(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case tooLarge(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case invalidGeometry(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .unsupportedFormat(let path, let reason): return "\(path): unsupported image: \(reason)"
        case .corrupt(let path, let reason): return "\(path): corrupt image: \(reason)"
        case .tooLarge(let path, let reason): return "\(path): image too large: \(reason)"
        case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
        case .invalidGeometry(let reason): return "invalid image geometry: \(reason)"
        }
    }
}
