import DICOM
import Foundation

extension TagSelection {
    /// Parses a keyword (`TransducerData`), `(gggg,eeee)`, `gggg,eeee` or `GGGGEEEE`.
    public static func parseTag(_ text: String) throws -> UInt32 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let hex = trimmed.filter { $0 != "(" && $0 != ")" && $0 != "," && $0 != " " }
        if hex.count == 8, hex.allSatisfy(\.isHexDigit), trimmed.first == "(" || trimmed.contains(",") || trimmed.first?.isNumber == true,
            let raw = UInt32(hex, radix: 16)
        {
            return raw
        }
        if let tag = DataDictionary.tag(forKeyword: trimmed) { return tag.rawValue }
        throw SonoDataError.invalidTag(text)
    }

    /// `Keyword (gggg,eeee)` or just the tag for private / unknown ones.
    public static func displayName(_ raw: UInt32) -> String {
        let tag = Tag(rawValue: raw)
        let numbers = String(format: "(%04X,%04X)", tag.group, tag.element)
        if let keyword = DataDictionary.keyword(for: tag) { return "\(keyword) \(numbers)" }
        return numbers
    }

    /// Whether the dictionary gives the tag the PN (person name) VR.
    public static func isPersonName(_ raw: UInt32) -> Bool {
        DataDictionary.entry(for: Tag(rawValue: raw))?.vr == .PN
    }

    /// A selection of exactly these tags (keywords or numbers).
    public init(specs: [String]) throws {
        let raw = try specs.map(Self.parseTag)
        for tag in raw where Self.isForbidden(tag) || Self.isPersonName(tag) {
            throw SonoDataError.forbiddenTag(Self.displayName(tag))
        }
        try self.init(rawTags: raw)
    }

    /// This selection plus more tags.
    public func adding(specs: [String]) throws -> TagSelection {
        let extra = try TagSelection(specs: specs)
        return try TagSelection(rawTags: tags + extra.tags)
    }
}
