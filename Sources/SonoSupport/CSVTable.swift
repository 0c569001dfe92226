import Foundation

/// A header plus rows of text cells, read and written as RFC 4180 CSV (fields quoted when they
/// contain a comma, quote or line break). The one CSV type: label files, evaluation tables and
/// exports all go through it, so every CSV SonoTag reads is parsed by the same rules.
public struct CSVTable: Equatable, Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    public mutating func append(_ row: [String]) {
        rows.append(row)
    }

    public var text: String {
        ([header] + rows).map { $0.map(Self.escaped).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// Writes `text` atomically, creating the parent folder.
    public func write(to path: String) throws {
        do {
            try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path), creatingFolder: true)
        } catch {
            throw CSVError(source: path, reason: "cannot write: \(error)")
        }
    }

    /// One field as CSV writes it: quoted (quotes doubled) when it holds a comma, quote or line
    /// break, verbatim otherwise.
    public static func escaped(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Parses CSV text (quoted fields, doubled quotes, CRLF or LF; a leading byte-order mark is
    /// skipped). The first record is the header. An unterminated quoted field is an error naming
    /// `source`, never a silently swallowed rest of the file.
    public static func parse(_ text: String, source: String = "<text>") throws -> CSVTable {
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        var records: [[String]] = [], record: [String] = [], field = ""
        var inQuotes = false, fieldStarted = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func nextScalar() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = nextScalar() {
            if inQuotes {
                if c == "\"" {
                    if let following = nextScalar() {
                        if following == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = following }
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: inQuotes = true; fieldStarted = true
            case ",": record.append(field); field = ""; fieldStarted = true
            case "\r": break
            case "\n":
                if fieldStarted || !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
                record = []; field = ""; fieldStarted = false
            default: field.unicodeScalars.append(c); fieldStarted = true
            }
        }
        if inQuotes { throw CSVError(source: source, reason: "unterminated quoted field") }
        if fieldStarted || !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        guard let header = records.first else { throw CSVError(source: source, reason: "empty CSV") }
        return CSVTable(header: header, rows: Array(records.dropFirst()))
    }

    public static func read(path: String) throws -> CSVTable {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CSVError(source: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, source: path)
    }

    /// Every row padded with empty cells to the header's width, so a short row (a
    /// trailing empty cell left out) never traps a column lookup.
    public func paddedRows() -> [[String]] {
        rows.map { $0.count >= header.count ? $0 : $0 + Array(repeating: "", count: header.count - $0.count) }
    }
}

/// A CSV file that cannot be read, parsed or written; names the file.
public struct CSVError: Error, Equatable, CustomStringConvertible {
    public var source: String
    public var reason: String

    public var description: String { "\(source): \(reason)" }
}
