import GRDB

/// Images and frames per image kind, with the crawl's reasons: what `sonotag tags --kinds` prints.
public struct KindStatistics: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// An `ImageKind` name, or `unclassified` for rows indexed before image kinds.
        public var kind: String
        public var files: Int
        public var frames: Int
        /// Why the crawl chose the kind, most frequent first.
        public var reasons: [TagStatistics.Value]
    }
    /// In `ImageKind` order; kinds without images are left out.
    public var entries: [Entry]
    public var files: Int { entries.reduce(0) { $0 + $1.files } }
    public var frames: Int { entries.reduce(0) { $0 + $1.frames } }
}

extension ManifestDatabase {
    static let unclassifiedKind = "unclassified"

    /// Kinds of the `ok` images.
    public func kindStatistics() throws -> KindStatistics {
        try pool.read { db in
            let kindSQL = "COALESCE(image_kind, '\(Self.unclassifiedKind)')"
            var entries: [String: KindStatistics.Entry] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT \(kindSQL), COUNT(*), SUM(MAX(COALESCE(frames, 1), 1)) FROM files WHERE status = 'ok' GROUP BY 1")
            {
                let kind: String = row[0]
                entries[kind] = KindStatistics.Entry(kind: kind, files: row[1], frames: row[2], reasons: [])
            }
            let sql =
                "SELECT \(kindSQL), COALESCE(kind_reason, ''), COUNT(*) AS n FROM files WHERE status = 'ok' GROUP BY 1, 2 ORDER BY n DESC, 2"
            for row in try Row.fetchAll(db, sql: sql) {
                let kind: String = row[0]
                entries[kind]?.reasons.append(TagStatistics.Value(value: row[1], count: row[2]))
            }
            let order = ImageKind.allCases.map(\.rawValue) + [Self.unclassifiedKind]
            return KindStatistics(entries: order.compactMap { entries[$0] })
        }
    }
}
