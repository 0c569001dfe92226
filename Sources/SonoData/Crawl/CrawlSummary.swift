import Foundation
import GRDB

/// The end-of-crawl report: every file accounted for by status and reason, and what the
/// readable images are.
public struct CrawlSummary: Sendable, Equatable {
    public struct Count: Sendable, Equatable {
        public var value: String
        public var count: Int
    }
    public var total: Int
    public var byStatus: [FileStatus: Int]
    /// `status: reason` → files, for every status other than ok.
    public var byReason: [Count]
    public var warnings: Int
    public var patients: Int
    public var frames: Int
    public var topManufacturers: [Count]
    public var topTransferSyntaxes: [Count]
    public var topTransducers: [Count]
    public var topStudyDescriptions: [Count]
}

extension ManifestDatabase {
    /// Summary over the whole manifest; the "top" lists count `ok` files.
    public func summary(top limit: Int = 5) throws -> CrawlSummary {
        try pool.read { db in
            var byStatus: [FileStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM files GROUP BY status") {
                if let status = FileStatus(rawValue: row[0]) { byStatus[status] = row[1] }
            }
            func counts(_ sql: String, _ arguments: StatementArguments = []) throws -> [CrawlSummary.Count] {
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { CrawlSummary.Count(value: $0[0] ?? "(none)", count: $0[1]) }
            }
            let reasons = try counts(
                """
                SELECT status || ': ' || COALESCE(reason, '?') AS r, COUNT(*) AS n FROM files
                WHERE status != 'ok' GROUP BY r ORDER BY n DESC, r
                """)
            func ranked(_ column: String) throws -> [CrawlSummary.Count] {
                try counts(
                    """
                    SELECT COALESCE(NULLIF(TRIM(\(column)), ''), '(none)') AS v, COUNT(*) AS n FROM files
                    WHERE status = 'ok' GROUP BY v ORDER BY n DESC, v LIMIT ?
                    """, [limit])
            }
            let warnings = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM files WHERE warnings IS NOT NULL AND warnings != '[]'") ?? 0
            let patients = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT patient_hash) FROM files WHERE status = 'ok'") ?? 0
            let frames = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(COALESCE(frames, 1)), 0) FROM files WHERE status = 'ok'") ?? 0
            return CrawlSummary(
                total: byStatus.values.reduce(0, +), byStatus: byStatus, byReason: reasons, warnings: warnings,
                patients: patients, frames: frames,
                topManufacturers: try ranked("manufacturer"), topTransferSyntaxes: try ranked("transfer_syntax"),
                topTransducers: try ranked("transducer_data"), topStudyDescriptions: try ranked("study_description"))
        }
    }
}
