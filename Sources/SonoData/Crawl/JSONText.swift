/// JSON text for the crawl's few JSON columns, written directly: `JSONEncoder` per file cost more
/// than reading the header. Keys come out sorted, so equal rows are equal text.
enum JSONText {
    static func string(_ text: String) -> String {
        // Header values are almost always plain ASCII with nothing to escape.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) { return "\"" + text + "\"" }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func regions(_ regions: [StoredRegion]) -> String {
        func number<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "null" }
        func real(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "null" }
            return "\(value)"
        }
        let items = regions.map { r in
            "{\"clamped\":\(r.clamped),\"dataType\":\(number(r.dataType)),\"deltaX\":\(real(r.deltaX)),\"deltaY\":\(real(r.deltaY)),"
                + "\"spatialFormat\":\(number(r.spatialFormat)),\"unitsX\":\(number(r.unitsX)),\"unitsY\":\(number(r.unitsY)),"
                + "\"x0\":\(r.x0),\"x1\":\(r.x1),\"y0\":\(r.y0),\"y1\":\(r.y1)}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}
