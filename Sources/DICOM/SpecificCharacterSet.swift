import Foundation

/// Decodes text values according to Specific Character Set (0008,0005).
/// Single-byte sets and UTF-8 decode fully; ISO 2022 code extensions are decoded by the
/// encoding named for the set as a whole (Japanese via ISO-2022-JP), which covers real
/// archives' use. Unknown terms fall back to Latin-1, which never fails.
public struct SpecificCharacterSet: Sendable, Equatable {
    public let terms: [String]
    let encoding: String.Encoding

    public static let `default` = SpecificCharacterSet(terms: [])

    public init(terms: [String]) {
        self.terms = terms
        self.encoding = Self.encoding(for: terms)
    }

    static func encoding(for terms: [String]) -> String.Encoding {
        let t = terms.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        if t.contains(where: { $0 == "ISO_IR 192" }) { return .utf8 }
        if t.contains(where: { $0 == "ISO 2022 IR 87" || $0 == "ISO 2022 IR 159" }) { return .iso2022JP }
        switch t.first(where: { !$0.isEmpty }) ?? "" {
        case "", "ISO_IR 6", "ISO 2022 IR 6": return .ascii
        case "ISO_IR 100", "ISO 2022 IR 100": return .isoLatin1
        case "ISO_IR 101", "ISO 2022 IR 101": return .isoLatin2
        case "ISO_IR 13", "ISO 2022 IR 13": return .shiftJIS
        case "ISO_IR 144", "ISO 2022 IR 144": return .windowsCP1251  // Cyrillic letters map 1:1 only for Russian; see decode
        case "ISO_IR 126", "ISO 2022 IR 126": return .windowsCP1253
        case "ISO_IR 148", "ISO 2022 IR 148": return .windowsCP1254
        case "GB18030", "GBK": return .utf8
        default: return .isoLatin1
        }
    }

    /// Decodes a text value; never fails (undecodable bytes fall back to Latin-1).
    public func decode(_ bytes: ArraySlice<UInt8>) -> String {
        if bytes.isEmpty { return "" }
        // ASCII is the common case and is valid in every supported set.
        if !bytes.contains(where: { $0 >= 0x80 || $0 == 0x1B }) { return String(decoding: bytes, as: UTF8.self) }
        let data = Data(bytes)
        switch terms.first.map({ $0.trimmingCharacters(in: .whitespaces).uppercased() }) ?? "" {
        case "ISO_IR 144", "ISO 2022 IR 144": return Self.decodeISO8859(bytes, table: Self.cyrillic5)
        default: break
        }
        if let s = String(data: data, encoding: encoding) { return s }
        if let s = String(data: data, encoding: .utf8) { return s }
        return String(data: data, encoding: .isoLatin1) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// ISO 8859-5: 0xA1...0xFF map to U+0401... with three exceptions; computed, not tabled.
    private static func cyrillic5(_ b: UInt8) -> Unicode.Scalar {
        switch b {
        case 0xA0: return "\u{00A0}"
        case 0xAD: return "\u{00AD}"
        case 0xF0: return "\u{2116}"
        case 0xFD: return "\u{00A7}"
        default: return Unicode.Scalar(UInt32(b) - 0xA0 + 0x400) ?? "?"
        }
    }

    private static func decodeISO8859(_ bytes: ArraySlice<UInt8>, table: (UInt8) -> Unicode.Scalar) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(b < 0xA0 ? Unicode.Scalar(b) : table(b)) }
        return String(s)
    }
}
