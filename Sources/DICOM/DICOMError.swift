/// Everything the DICOM module throws. Each case names what was wrong, and where.
public enum DICOMError: Error, CustomStringConvertible, Equatable {
    /// The bytes end inside an element (offset is where the missing bytes should start).
    case truncated(offset: Int, context: String)
    /// Not DICOM at all, or structure that cannot be parsed.
    case malformed(offset: Int, context: String)
    /// Sequences nested deeper than `ParseOptions.maximumDepth`.
    case nestingTooDeep(offset: Int, depth: Int)
    /// A required attribute is absent or has an unusable value.
    case missingAttribute(String)
    case invalidAttribute(String, reason: String)
    /// A valid file using something this module does not implement.
    case unsupported(String)
    /// Pixel data that does not match its description (fragment count, size ...).
    case pixelData(String)
    /// A frame index outside 0..<numberOfFrames.
    case frameOutOfRange(index: Int, count: Int)
    /// A codec rejected the stream.
    case codec(String)
    /// Reading or writing the file failed.
    case io(path: String, reason: String)
    /// The writer was handed an inconsistent image.
    case invalidImage(String)

    public var description: String {
        switch self {
        case let .truncated(offset, context): return "truncated at byte \(offset): \(context)"
        case let .malformed(offset, context): return "malformed at byte \(offset): \(context)"
        case let .nestingTooDeep(offset, depth): return "sequences nested deeper than \(depth) at byte \(offset)"
        case let .missingAttribute(name): return "missing attribute \(name)"
        case let .invalidAttribute(name, reason): return "invalid \(name): \(reason)"
        case let .unsupported(what): return "unsupported: \(what)"
        case let .pixelData(what): return "pixel data: \(what)"
        case let .frameOutOfRange(index, count): return "frame \(index) out of range 0..<\(count)"
        case let .codec(what): return "codec: \(what)"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .invalidImage(what): return "invalid image: \(what)"
        }
    }
}
