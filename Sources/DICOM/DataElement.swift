/// Where encapsulated or native pixel data lies in the stream; nothing is read until a frame is asked for.
public struct PixelDataReference: Sendable, Equatable {
    /// Offset of the value's first byte in the data-set stream (the file, or the inflated stream).
    public let offset: Int
    /// Value length in bytes; nil for undefined length (encapsulated fragments).
    public let length: Int?
    /// The element's VR (OB or OW): native 16-bit data in big-endian files is swapped per OW word.
    public let vr: VR
    public var isEncapsulated: Bool { length == nil }
}

public enum ElementValue: Sendable {
    /// The value bytes; binary VRs are already little-endian whatever the transfer syntax.
    case bytes([UInt8])
    case sequence([DataSet])
    /// Pixel Data (or an undefined-length OB/OW value) left in the stream.
    case deferred(PixelDataReference)
}

public struct DataElement: Sendable {
    public let tag: Tag
    public let vr: VR
    public var value: ElementValue
    /// Offset of the element's header in the stream it was read from.
    public let offset: Int

    public init(tag: Tag, vr: VR, value: ElementValue, offset: Int = 0) {
        self.tag = tag
        self.vr = vr
        self.value = value
        self.offset = offset
    }

    public var bytes: [UInt8]? { if case .bytes(let b) = value { return b } else { return nil } }
    public var items: [DataSet]? { if case .sequence(let s) = value { return s } else { return nil } }
    public var keyword: String? { DataDictionary.keyword(for: tag) }
}
