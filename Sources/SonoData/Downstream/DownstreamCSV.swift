import Foundation

/// A small RFC 4180 reader for label files: a header row, comma separated, double-quoted fields
/// may hold commas, quotes ("") and newlines. Short rows are padded so column lookups never trap.
struct CSVTable {
    var header: [String]
    var rows: [[String]]

    init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw DownstreamDataError.notFound(url.path) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DownstreamDataError.badRow(csv: url.path, line: 1, reason: "not UTF-8 text")
        }
        try self.init(text: text, name: url.path)
    }

    init(text: String, name: String) throws {
        var records = CSVTable.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        records.removeAll { $0.count == 1 && $0[0].trimmingCharacters(in: .whitespaces).isEmpty }
        guard let first = records.first else { throw DownstreamDataError.badRow(csv: name, line: 1, reason: "no header row") }
        header = first.map { $0.trimmingCharacters(in: .whitespaces) }
        rows = records.dropFirst().map { row in
            row.count >= first.count ? row : row + Array(repeating: "", count: first.count - row.count)
        }
    }

    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let following = next() {
                        if following == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = following }
                    } else { inQuotes = false }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"": inQuotes = true
            case ",": record.append(field); field = ""
            case "\r": continue
            case "\n": record.append(field); records.append(record); record = []; field = ""
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
