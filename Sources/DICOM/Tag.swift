/// A DICOM attribute tag: (group, element).
public struct Tag: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let group: UInt16
    public let element: UInt16

    public init(_ group: UInt16, _ element: UInt16) {
        self.group = group
        self.element = element
    }

    public init(rawValue: UInt32) {
        self.group = UInt16(truncatingIfNeeded: rawValue >> 16)
        self.element = UInt16(truncatingIfNeeded: rawValue)
    }

    public var rawValue: UInt32 { UInt32(group) << 16 | UInt32(element) }
    public var isPrivate: Bool { group & 1 == 1 }
    /// (gggg,0010)–(gggg,00FF) in an odd group: names the owner of a private block.
    public var isPrivateCreator: Bool { isPrivate && element >= 0x10 && element <= 0xFF }
    public var isGroupLength: Bool { element == 0 }

    public static func < (a: Tag, b: Tag) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        let hex = String(rawValue, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: 8 - hex.count) + hex
        return "(\(padded.prefix(4)),\(padded.suffix(4)))"
    }
}

extension Tag {
    // Delimiters (no VR, even in explicit VR syntaxes).
    public static let item = Tag(0xFFFE, 0xE000)
    public static let itemDelimitation = Tag(0xFFFE, 0xE00D)
    public static let sequenceDelimitation = Tag(0xFFFE, 0xE0DD)

    // File meta.
    public static let fileMetaInformationGroupLength = Tag(0x0002, 0x0000)
    public static let mediaStorageSOPClassUID = Tag(0x0002, 0x0002)
    public static let mediaStorageSOPInstanceUID = Tag(0x0002, 0x0003)
    public static let transferSyntaxUID = Tag(0x0002, 0x0010)

    public static let specificCharacterSet = Tag(0x0008, 0x0005)
    public static let sopClassUID = Tag(0x0008, 0x0016)
    public static let sopInstanceUID = Tag(0x0008, 0x0018)
    public static let modality = Tag(0x0008, 0x0060)
    public static let manufacturer = Tag(0x0008, 0x0070)
    public static let studyDescription = Tag(0x0008, 0x1030)
    public static let patientID = Tag(0x0010, 0x0020)
    public static let burnedInAnnotation = Tag(0x0028, 0x0301)
    public static let transducerData = Tag(0x0018, 0x5010)
    public static let transducerType = Tag(0x0018, 0x6031)
    public static let sequenceOfUltrasoundRegions = Tag(0x0018, 0x6011)

    // Image Pixel module.
    public static let samplesPerPixel = Tag(0x0028, 0x0002)
    public static let photometricInterpretation = Tag(0x0028, 0x0004)
    public static let planarConfiguration = Tag(0x0028, 0x0006)
    public static let numberOfFrames = Tag(0x0028, 0x0008)
    public static let rows = Tag(0x0028, 0x0010)
    public static let columns = Tag(0x0028, 0x0011)
    public static let bitsAllocated = Tag(0x0028, 0x0100)
    public static let bitsStored = Tag(0x0028, 0x0101)
    public static let highBit = Tag(0x0028, 0x0102)
    public static let pixelRepresentation = Tag(0x0028, 0x0103)
    public static let redPaletteDescriptor = Tag(0x0028, 0x1101)
    public static let greenPaletteDescriptor = Tag(0x0028, 0x1102)
    public static let bluePaletteDescriptor = Tag(0x0028, 0x1103)
    public static let redPaletteData = Tag(0x0028, 0x1201)
    public static let greenPaletteData = Tag(0x0028, 0x1202)
    public static let bluePaletteData = Tag(0x0028, 0x1203)
    public static let segmentedRedPaletteData = Tag(0x0028, 0x1221)
    public static let segmentedGreenPaletteData = Tag(0x0028, 0x1222)
    public static let segmentedBluePaletteData = Tag(0x0028, 0x1223)
    public static let extendedOffsetTable = Tag(0x7FE0, 0x0001)
    public static let extendedOffsetTableLengths = Tag(0x7FE0, 0x0002)
    public static let floatPixelData = Tag(0x7FE0, 0x0008)
    public static let doubleFloatPixelData = Tag(0x7FE0, 0x0009)
    public static let pixelData = Tag(0x7FE0, 0x0010)
    public static let dataSetTrailingPadding = Tag(0xFFFC, 0xFFFC)
}
