import Foundation

/// An image size as every command spells it: `--size HxW` (also `H×W` or `H,W`).
public struct ImageSize: Equatable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// What a command needs of a size.
    public enum Constraint: Sendable {
        /// Any positive size (the preprocessing cache).
        case positive
        /// At least 32 each way (fine-tuning: the U-Net pads to multiples of 32).
        case atLeast32
        /// Multiples of 32 (pretraining: the context decoder must invert the encoder's stride 32 exactly).
        case multipleOf32
    }

    /// Parses `256x384` and checks it against `constraint`.
    public init(parsing text: String, _ constraint: Constraint) throws {
        let parts = text.split(whereSeparator: { $0 == "x" || $0 == "X" || $0 == "×" || $0 == "," })
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let h = parts[0], let w = parts[1], h > 0, w > 0 else {
            throw ImageSizeError(text: text, reason: "is not HxW with positive sides, e.g. 256x384")
        }
        switch constraint {
        case .positive: break
        case .atLeast32:
            guard h >= 32, w >= 32 else { throw ImageSizeError(text: text, reason: "must be at least 32x32 (encoder output stride 32)") }
        case .multipleOf32:
            guard h % 32 == 0, w % 32 == 0 else {
                throw ImageSizeError(text: text, reason: "must have both sides multiples of 32 (encoder output stride 32)")
            }
        }
        self.init(height: h, width: w)
    }

    public var description: String { "\(height)x\(width)" }
}

public struct ImageSizeError: Error, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "size '\(text)' \(reason)" }
}

/// Old option spellings kept for one release: they still work, and say what replaces them.
public enum DeprecatedOption {
    /// Writes one line to standard error naming the old spelling and the new one.
    public static func warn(_ old: String, use replacement: String) {
        FileHandle.standardError.write(Data("warning: \(old) is deprecated and will be removed; use \(replacement)\n".utf8))
    }
}

/// A comma-separated option value (`--backbone vgg16bn,resnet50`), trimmed, empty entries dropped.
public func commaSeparated(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}
