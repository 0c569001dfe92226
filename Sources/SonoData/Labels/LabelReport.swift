import Foundation
import GRDB

/// What `sonotag labels` prints: images per group, and every description and transducer the
/// mapping does not cover, with counts, so a radiologist can extend the mapping.
public struct LabelReport: Sendable {
    public struct Count: Sendable, Equatable {
        public var value: String
        public var count: Int
    }
    public var mappingHash: String
    public var groupNames: [String]
    /// Files (status ok) carrying each group, in label order.
    public var groupCounts: [Int]
    public var labelledFiles: Int
    /// Files with no transducer group / no study group.
    public var filesWithoutTransducerGroup: Int
    public var filesWithoutStudyGroup: Int
    /// Normalised values with no mapping, most frequent first. Empty values count as "(empty)".
    public var unmappedDescriptions: [Count]
    public var unmappedTransducers: [Count]
}

extension ManifestDatabase {
    static let labelMappingHashKey = "label_mapping_hash"
    static let labelGroupsKey = "label_groups"

    /// Computes every `ok` file's label vector with `mapping`, stores them (replacing older
    /// labels) with the mapping's hash, and returns the report.
    @discardableResult
    public func applyLabels(_ mapping: LabelMapping) throws -> LabelReport {
        let hash = mapping.hash
        let groupsJSON = String(decoding: try JSONEncoder().encode(mapping.groupNames), as: UTF8.self)
        return try pool.write { db in
            try db.execute(sql: "DELETE FROM labels")
            var groupCounts = [Int](repeating: 0, count: mapping.count)
            var noTransducer = 0, noStudy = 0, total = 0
            var unmappedDescriptions: [String: Int] = [:]
            var unmappedTransducers: [String: Int] = [:]
            let insert = try db.makeStatement(sql: "INSERT INTO labels(file_id, y, mapping_hash) VALUES (?, ?, ?)")
            let rows = try Row.fetchAll(db, sql: "SELECT id, transducer_data, study_description FROM files WHERE status = 'ok'")
            for row in rows {
                let id: Int64 = row[0]
                let transducers = ((row[1] as String?) ?? "").split(separator: "\\").map(String.init)
                let description: String = row[2] ?? ""
                let y = mapping.labelVector(transducers: transducers, studyDescription: description)
                total += 1
                for (index, value) in y.enumerated() where value > 0 { groupCounts[index] += 1 }
                if !y[..<mapping.transducerGroups.count].contains(where: { $0 > 0 }) {
                    noTransducer += 1
                    let key = transducers.map(LabelMapping.normalise).filter { !$0.isEmpty }.joined(separator: "\\")
                    unmappedTransducers[key.isEmpty ? "(empty)" : key, default: 0] += 1
                }
                if !y[mapping.transducerGroups.count...].contains(where: { $0 > 0 }) {
                    noStudy += 1
                    let key = LabelMapping.normalise(description)
                    unmappedDescriptions[key.isEmpty ? "(empty)" : key, default: 0] += 1
                }
                let yText = "[" + y.map { $0 > 0 ? "1" : "0" }.joined(separator: ",") + "]"
                try insert.execute(arguments: [id, yText, hash])
            }
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?), (?, ?)",
                           arguments: [Self.labelMappingHashKey, hash, Self.labelGroupsKey, groupsJSON])
            func sorted(_ counts: [String: Int]) -> [LabelReport.Count] {
                counts.map { LabelReport.Count(value: $0.key, count: $0.value) }
                    .sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
            }
            return LabelReport(
                mappingHash: hash, groupNames: mapping.groupNames, groupCounts: groupCounts, labelledFiles: total,
                filesWithoutTransducerGroup: noTransducer, filesWithoutStudyGroup: noStudy,
                unmappedDescriptions: sorted(unmappedDescriptions), unmappedTransducers: sorted(unmappedTransducers))
        }
    }

    /// The stored label vector of each `ok` file, when labels were applied with a mapping of
    /// hash `mappingHash` (nil: whatever is stored).
    public func storedLabels(mappingHash: String? = nil) throws -> [Int64: [Float]] {
        try pool.read { db in
            var result: [Int64: [Float]] = [:]
            let sql = mappingHash == nil ? "SELECT file_id, y FROM labels" : "SELECT file_id, y FROM labels WHERE mapping_hash = ?"
            let rows = try Row.fetchCursor(db, sql: sql, arguments: mappingHash.map { [$0] } ?? [])
            while let row = try rows.next() {
                let text: String = row[1]
                let values = text.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").compactMap { Float($0) }
                result[row[0]] = values
            }
            return result
        }
    }
}
