import Imaging

/// A binary segmentation mask, row-major.
public struct BinaryMask: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var bits: [Bool]

    public init(width: Int, height: Int, bits: [Bool]) throws {
        guard width >= 0, height >= 0, bits.count == width * height else {
            throw EvaluationError.sizeMismatch("\(bits.count) mask values for \(width)×\(height)")
        }
        self.width = width
        self.height = height
        self.bits = bits
    }

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        bits = [Bool](repeating: false, count: self.width * self.height)
    }

    /// Foreground where `image > threshold` (probabilities, or 0/1 masks).
    public init(_ image: GrayImage, threshold: Float = 0.5) {
        width = image.width
        height = image.height
        bits = image.pixels.map { $0 > threshold }
    }

    /// Foreground where any colour channel is non-zero (and alpha, if any, is not zero):
    /// 0/255 gray masks, label images and coloured annotation masks alike.
    public init(_ raster: Raster) {
        self.init(GrayImage(foregroundOf: raster))
    }

    @inlinable public subscript(x: Int, y: Int) -> Bool {
        get { bits[y * width + x] }
        set { bits[y * width + x] = newValue }
    }

    public var area: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// 0/1 float image, e.g. for drawing with `Canvas.overlay`.
    public var grayImage: GrayImage {
        var image = GrayImage(width: width, height: height)
        for i in bits.indices where bits[i] { image.pixels[i] = 1 }
        return image
    }

    /// Foreground pixels with a 4-neighbour in the background or outside the image
    /// (the mask minus its erosion by a cross, as MedPy and most surface-distance code use).
    public var boundary: [(x: Int, y: Int)] {
        var points: [(x: Int, y: Int)] = []
        func isSet(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height && bits[y * width + x] }
        for y in 0..<height {
            for x in 0..<width where bits[y * width + x] {
                if !isSet(x - 1, y) || !isSet(x + 1, y) || !isSet(x, y - 1) || !isSet(x, y + 1) {
                    points.append((x, y))
                }
            }
        }
        return points
    }
}

/// Failures of evaluation inputs.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    case sizeMismatch(String)
    case invalidInput(String)
    case unreadable(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .sizeMismatch(let reason): return "size mismatch: \(reason)"
        case .invalidInput(let reason): return "invalid input: \(reason)"
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
        }
    }
}
