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
        case .truncated(let offset, let context): return "truncated at byte \(offset): \(context)"
        case .malformed(let offset, let context): return "malformed at byte \(offset): \(context)"
        case .nestingTooDeep(let offset, let depth): return "sequences nested deeper than \(depth) at byte \(offset)"
        case .missingAttribute(let name): return "missing attribute \(name)"
        case .invalidAttribute(let name, let reason): return "invalid \(name): \(reason)"
        case .unsupported(let what): return "unsupported: \(what)"
        case .pixelData(let what): return "pixel data: \(what)"
        case .frameOutOfRange(let index, let count): return "frame \(index) out of range 0..<\(count)"
        case .codec(let what): return "codec: \(what)"
        case .io(let path, let reason): return "\(path): \(reason)"
        case .invalidImage(let what): return "invalid image: \(what)"
        }
    }
}
