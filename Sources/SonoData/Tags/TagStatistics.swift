import Foundation
import GRDB

/// Coverage, cardinality and most frequent values of one captured tag: the numbers that tell
/// whether a tag could serve as a weak label (as the paper suggests for CT and MRI).
public struct TagStatistics: Sendable, Equatable {
    public struct Value: Sendable, Equatable {
        public var value: String
        public var count: Int
    }
    /// `GGGGEEEE`.
    public var tag: String
    /// Readable DICOM files considered (status ok or unsupported).
    public var files: Int
    /// Files where the tag is present and non-empty.
    public var present: Int
    public var distinctValues: Int
    public var topValues: [Value]
    /// Whether the crawl captured this tag at all (if not, `present` is 0 by construction).
    public var captured: Bool

    public var coverage: Double { files == 0 ? 0 : Double(present) / Double(files) }
}

extension ManifestDatabase {
    static let capturedTagsKey = "captured_tags"

    /// Statistics of a captured tag `GGGGEEEE` over readable files.
    public func tagStatistics(tag: String, top: Int = 10) throws -> TagStatistics {
        let key = tag.uppercased()
        guard key.count == 8, key.allSatisfy(\.isHexDigit) else { throw SonoDataError.invalidTag(tag) }
        let captured = try capturedTags().contains(key)
        return try pool.read { db in
            let path = "$.\"\(key)\""
            let files = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM files WHERE status IN ('ok', 'unsupported')") ?? 0
            let valueSQL = "json_extract(tags, '\(path)')"
            let base = "FROM files WHERE status IN ('ok', 'unsupported') AND \(valueSQL) IS NOT NULL AND \(valueSQL) != ''"
            let present = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(base)") ?? 0
            let distinct = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT \(valueSQL)) \(base)") ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT CAST(\(valueSQL) AS TEXT) AS v, COUNT(*) AS n \(base) GROUP BY v ORDER BY n DESC, v LIMIT ?",
                arguments: [top])
            let values = rows.map { TagStatistics.Value(value: Self.displayValue($0[0] ?? ""), count: $0[1]) }
            return TagStatistics(tag: key, files: files, present: present, distinctValues: distinct, topValues: values, captured: captured)
        }
    }

    /// Multi-valued tags are stored as JSON arrays; show them the DICOM way, `a\\b`.
    static func displayValue(_ stored: String) -> String {
        guard stored.hasPrefix("["), let data = stored.data(using: .utf8),
            let values = try? JSONDecoder().decode([String].self, from: data)
        else { return stored }
        return values.joined(separator: "\\")
    }

    /// The tags (`GGGGEEEE`) the last crawl captured.
    public func capturedTags() throws -> [String] {
        guard let text = try meta(Self.capturedTagsKey), let data = text.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([String].self, from: data)) ?? []
    }
}
