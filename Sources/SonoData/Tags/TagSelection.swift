import DICOM
import Foundation

/// The set of tags a crawl captures into the manifest's `tags` JSON column (keyed `GGGGEEEE`).
///
/// Tags that identify the patient are refused whatever the configuration says: Patient's Name,
/// ID, birth date and the rest of group 0010 (except sex, age, size and weight), accession
/// number, and any PN (person name) element, which is also dropped at capture time.
public struct TagSelection: Sendable, Equatable {
    /// Raw tags `(group << 16) | element`, sorted.
    public private(set) var tags: [UInt32]

    public init(rawTags: [UInt32]) throws {
        for tag in rawTags where Self.isForbidden(tag) {
            throw SonoDataError.forbiddenTag(Self.key(tag))
        }
        tags = Array(Set(rawTags)).sorted()
    }

    /// Modality, manufacturer and model, transducer data and type, study / series description,
    /// body part, SOP class, image type, software, photometric, geometry, burned-in annotation,
    /// laterality, frame time, protocol name and ultrasound colour flag.
    public static let `default`: TagSelection = {
        let tags: [UInt32] = [
            0x0008_0008,  // ImageType
            0x0008_0016,  // SOPClassUID
            0x0008_0060,  // Modality
            0x0008_0070,  // Manufacturer
            0x0008_1030,  // StudyDescription
            0x0008_103E,  // SeriesDescription
            0x0008_1090,  // ManufacturerModelName
            0x0018_0015,  // BodyPartExamined
            0x0018_1020,  // SoftwareVersions
            0x0018_1030,  // ProtocolName
            0x0018_1063,  // FrameTime
            0x0018_5010,  // TransducerData
            0x0018_6031,  // TransducerType
            0x0020_0062,  // ImageLaterality
            0x0028_0004,  // PhotometricInterpretation
            0x0028_0008,  // NumberOfFrames
            0x0028_0010,  // Rows
            0x0028_0011,  // Columns
            0x0028_0014,  // UltrasoundColorDataPresent
            0x0028_0301  // BurnedInAnnotation
        ]
        return TagSelection(unchecked: tags)
    }()

    private init(unchecked tags: [UInt32]) { self.tags = tags.sorted() }

    /// `GGGGEEEE`, upper-case hexadecimal: the JSON key.
    public static func key(_ tag: UInt32) -> String {
        let hex = String(tag, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }

    public var keys: [String] { tags.map(Self.key) }

    var json: String {
        String(decoding: (try? JSONEncoder().encode(keys)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// Whether a tag identifies the patient (checked on configuration and again at capture);
    /// DICOM's `Identifiers` holds the list, so `dump` and the crawl hide the same attributes.
    public static func isForbidden(_ tag: UInt32) -> Bool {
        Identifiers.isIdentifying(Tag(rawValue: tag))
    }
}
