/// JSON text for the crawl's few JSON columns, written directly: `JSONEncoder` per file cost more
/// than reading the header. Keys come out sorted, so equal rows are equal text. String values are
/// quoted by `TextEscaping.jsonString`.
enum JSONText {
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
