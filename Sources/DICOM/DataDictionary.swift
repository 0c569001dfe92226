/// What the standard says about a tag: VR, value multiplicity, keyword.
public struct DictionaryEntry: Sendable, Equatable {
    public let tag: Tag
    public let vr: VR
    public let vm: String
    public let keyword: String
}

/// The standard data dictionary (generated from DCMTK's dicom.dic by scripts/gen_dictionary.py).
public enum DataDictionary {
    private struct Tables: Sendable {
        var byTag: [UInt32: DictionaryEntry] = [:]
        var byKeyword: [String: DictionaryEntry] = [:]
        var repeating: [(value: UInt32, mask: UInt32, entry: DictionaryEntry)] = []
    }

    private static let tables: Tables = {
        var t = Tables()
        t.byTag.reserveCapacity(5000)
        for line in GeneratedDictionary.exact.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 4, let raw = UInt32(f[0], radix: 16), let vr = VR(rawValue: String(f[1])) else { continue }
            let e = DictionaryEntry(tag: Tag(rawValue: raw), vr: vr, vm: String(f[2]), keyword: String(f[3]))
            t.byTag[raw] = e
            t.byKeyword[e.keyword] = e
        }
        for line in GeneratedDictionary.repeating.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 5, let raw = UInt32(f[0], radix: 16), let mask = UInt32(f[1], radix: 16),
                let vr = VR(rawValue: String(f[2]))
            else { continue }
            let e = DictionaryEntry(tag: Tag(rawValue: raw), vr: vr, vm: String(f[3]), keyword: String(f[4]))
            t.repeating.append((raw, mask, e))
            if t.byKeyword[e.keyword] == nil { t.byKeyword[e.keyword] = e }
        }
        return t
    }()

    /// The entry for a tag, including repeating groups (50xx, 60xx, 7Fxx) and group lengths.
    public static func entry(for tag: Tag) -> DictionaryEntry? {
        let raw = tag.rawValue
        if let e = tables.byTag[raw] { return e }
        if tag.element == 0 {
            return DictionaryEntry(tag: tag, vr: .UL, vm: "1", keyword: tag.isPrivate ? "PrivateGroupLength" : "GroupLength")
        }
        if tag.isPrivateCreator { return DictionaryEntry(tag: tag, vr: .LO, vm: "1", keyword: "PrivateCreator") }
        if tag.isPrivate { return nil }
        for r in tables.repeating where raw & r.mask == r.value {
            return DictionaryEntry(tag: tag, vr: r.entry.vr, vm: r.entry.vm, keyword: r.entry.keyword)
        }
        return nil
    }

    /// The tag for a standard keyword, e.g. "TransducerData" → (0018,5010).
    public static func tag(forKeyword keyword: String) -> Tag? { tables.byKeyword[keyword]?.tag }
    public static func keyword(for tag: Tag) -> String? { entry(for: tag)?.keyword }

    /// The VR an implicit VR reader should assume.
    static func impliedVR(for tag: Tag) -> VR {
        if tag == .item || tag == .itemDelimitation || tag == .sequenceDelimitation { return .none }
        return entry(for: tag)?.vr ?? .UN
    }
}
