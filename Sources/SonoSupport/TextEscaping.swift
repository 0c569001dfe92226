/// Escaping text for the formats SonoTag writes by hand (JSON string literals, HTML). One
/// table-driven pass serves both, so each format is defined only by its table.
public enum TextEscaping {
    /// `text` with every scalar found in `replacements` replaced by its entry, and every other
    /// scalar for which `fallback` returns a string replaced by that string.
    public static func escaped(
        _ text: String, replacements: [Unicode.Scalar: String],
        fallback: (Unicode.Scalar) -> String? = { _ in nil }
    ) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let replacement = replacements[scalar] ?? fallback(scalar) {
                out += replacement
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A JSON string literal (RFC 8259) holding `text`, quotes included: `"`, `\` and control
    /// characters escaped (`\n`, `\r`, `\t` by name, the others as `\u00XX`), all else verbatim.
    public static func jsonString(_ text: String) -> String {
        // Header values and tensor names are almost always plain ASCII with nothing to escape;
        // skipping the scalar walk for them matters in the crawl, which quotes every header value.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) { return "\"" + text + "\"" }
        return "\"" + escaped(text, replacements: jsonEscapes, fallback: jsonControlEscape) + "\""
    }

    /// `text` safe inside HTML element content and quoted attribute values.
    public static func html(_ text: String) -> String {
        escaped(text, replacements: htmlEntities)
    }

    private static let jsonEscapes: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"]

    private static func jsonControlEscape(_ scalar: Unicode.Scalar) -> String? {
        guard scalar.value < 0x20 else { return nil }
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    private static let htmlEntities: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]
}
