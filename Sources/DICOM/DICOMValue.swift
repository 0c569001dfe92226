import Foundation

/// A plain value for display and JSON: what pydicom's `elem.value` would give, reduced to
/// strings, numbers, lists and nested items.
public indirect enum DICOMValue: Sendable, Equatable {
    case null
    case string(String)
    case int(Int)
    case double(Double)
    case array([DICOMValue])
    /// Sequence items, each as ordered (keyword, value) pairs.
    case sequence([[(String, DICOMValue)]])
    /// Binary data shown by size only.
    case bytes(Int)

    public static func == (a: DICOMValue, b: DICOMValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.string(let x), .string(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.array(let x), .array(let y)): return x == y
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.sequence(let x), .sequence(let y)):
            return x.count == y.count
                && zip(x, y).allSatisfy { i, j in
                    i.count == j.count && zip(i, j).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
                }
        default: return false
        }
    }

    /// Foundation JSON object (NSNull, String, NSNumber, arrays, dictionaries).
    public var jsonObject: Any {
        switch self {
        case .null: return NSNull()
        case .string(let s): return s
        case .int(let i): return i
        case .double(let d): return d.isFinite ? d as Any : String(d)
        case .array(let a): return a.map(\.jsonObject)
        case .bytes(let n): return "<\(n) bytes>"
        case .sequence(let items):
            return items.map { item in Dictionary(item.map { ($0.0, $0.1.jsonObject) }, uniquingKeysWith: { a, _ in a }) }
        }
    }
}

/// The one list of attributes that identify a patient: `dump` hides them unless asked not to,
/// and the crawl (SonoData's `TagSelection`) refuses to capture them whatever its configuration
/// says. Person-name (PN) elements are identifying too; callers check the VR for those.
public enum Identifiers {
    /// Group 0010 (patient) except sex, age, size and weight, which do not identify on their own
    /// and are what cohort statistics need.
    static let patientDemographics: Set<UInt16> = [0x0040, 0x1010, 0x1020, 0x1030]

    /// Identifying attributes outside group 0010.
    static let identifying: Set<Tag> = [
        Tag(0x0008, 0x0050),  // AccessionNumber
        Tag(0x0008, 0x0080), Tag(0x0008, 0x0081),  // InstitutionName, InstitutionAddress
        Tag(0x0008, 0x0090), Tag(0x0008, 0x0092), Tag(0x0008, 0x0094),  // ReferringPhysician name, address, phone
        Tag(0x0008, 0x1048), Tag(0x0008, 0x1050), Tag(0x0008, 0x1060), Tag(0x0008, 0x1070),  // physicians, operators
        Tag(0x0020, 0x0010),  // StudyID
        Tag(0x0032, 0x1032),  // RequestingPhysician
        Tag(0x0038, 0x0010),  // AdmissionID
        Tag(0x0040, 0xA123)  // PersonName
    ]

    /// Whether `tag` identifies a patient.
    public static func isIdentifying(_ tag: Tag) -> Bool {
        if tag.group == 0x0010 { return !patientDemographics.contains(tag.element) }
        return identifying.contains(tag)
    }
}

extension DataSet {
    /// The plain value of one element (nil when absent).
    public func value(_ tag: Tag, redactingIdentifiers: Bool = false) -> DICOMValue? {
        guard let e = self[tag] else { return nil }
        if redactingIdentifiers && (Identifiers.isIdentifying(tag) || e.vr == .PN) {
            if case .bytes(let b) = e.value, b.isEmpty { return .string("") }
            return .string("<redacted>")
        }
        switch e.value {
        case .sequence(let items):
            return .sequence(items.map { $0.plainItems(redactingIdentifiers: redactingIdentifiers) })
        case .deferred(let ref):
            return .bytes(ref.length ?? -1)
        case .bytes(let b):
            let multi: ([DICOMValue]) -> DICOMValue = { vs in vs.isEmpty ? .null : (vs.count == 1 ? vs[0] : .array(vs)) }
            switch e.vr {
            case .US, .SS, .UL, .SL, .SV, .UV:
                return multi((ints(tag) ?? []).map(DICOMValue.int))
            case .FL, .FD:
                return multi((doubles(tag) ?? []).map(DICOMValue.double))
            case .IS:
                guard !b.isEmpty else { return .string("") }
                let s = strings(tag) ?? []
                return multi(s.map { v in Int(v).map(DICOMValue.int) ?? (Double(v).map(DICOMValue.double) ?? .string(v)) })
            case .DS:
                guard !b.isEmpty else { return .string("") }
                let s = strings(tag) ?? []
                return multi(s.map { v in Double(v).map(DICOMValue.double) ?? .string(v) })
            case .AT:
                return multi((tagValues(tag) ?? []).map { .string($0.description) })
            case .OB, .OW, .OD, .OF, .OL, .OV, .UN:
                return .bytes(b.count)
            default:
                let s = strings(tag) ?? []
                return s.count == 1 ? .string(s[0]) : .array(s.map(DICOMValue.string))
            }
        }
    }

    /// Every element as (keyword or "(gggg,eeee)", value), in file order.
    public func plainItems(redactingIdentifiers: Bool = false) -> [(String, DICOMValue)] {
        elements.map { e in
            (
                DataDictionary.keyword(for: e.tag).map { e.tag.isPrivate ? "\(e.tag)" : $0 } ?? "\(e.tag)",
                value(e.tag, redactingIdentifiers: redactingIdentifiers) ?? .null
            )
        }
    }
}
