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
    /// Labelled files per image kind (`unclassified`: indexed before image kinds), and the `ok`
    /// files left unlabelled because `--kinds` excluded their kind.
    public var filesByKind: [Count]
    public var filesOfOtherKinds: Int

    /// How a missing or blank value is listed.
    public static let emptyValue = "(empty)"
}

extension ManifestDatabase {
    static let labelMappingHashKey = "label_mapping_hash"
    static let labelGroupsKey = "label_groups"

    /// Computes the label vector of every `ok` file of `kinds` (nil: all) with `mapping`, stores
    /// them (replacing older labels) with the mapping's hash, and returns the report.
    @discardableResult
    public func applyLabels(_ mapping: LabelMapping, kinds: [ImageKind]? = nil) throws -> LabelReport {
        let hash = mapping.hash
        let groupsJSON = String(decoding: try JSONEncoder().encode(mapping.groupNames), as: UTF8.self)
        return try pool.write { db in
            try db.execute(sql: "DELETE FROM labels")
            var groupCounts = [Int](repeating: 0, count: mapping.count)
            var noTransducer = 0, noStudy = 0, total = 0
            var unmappedDescriptions: [String: Int] = [:]
            var unmappedTransducers: [String: Int] = [:]
            var byKind: [String: Int] = [:]
            var otherKinds = 0
            let insert = try db.makeStatement(sql: "INSERT INTO labels(file_id, y, mapping_hash) VALUES (?, ?, ?)")
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, transducer_data, transducer_type, study_description, image_kind FROM files WHERE status = 'ok'")
            for row in rows {
                let id: Int64 = row[0]
                let kind = (row[4] as String?).flatMap(ImageKind.init(rawValue:))
                if let kinds, !(kind.map(kinds.contains) ?? false) {
                    otherKinds += 1
                    continue
                }
                byKind[kind?.rawValue ?? "unclassified", default: 0] += 1
                let transducers = FileRecord.values(row[1])
                let types = FileRecord.values(row[2])
                let description: String = row[3] ?? ""
                let y = mapping.labelVector(transducers: transducers, transducerTypes: types, studyDescription: description)
                total += 1
                for (index, value) in y.enumerated() where value > 0 { groupCounts[index] += 1 }
                if !y[..<mapping.transducerGroups.count].contains(where: { $0 > 0 }) {
                    noTransducer += 1
                    var key = transducers.map(LabelMapping.normalise).filter { !$0.isEmpty }.joined(separator: "\\")
                    if key.isEmpty { key = LabelReport.emptyValue }
                    if !types.isEmpty { key += " [type " + types.map(LabelMapping.normaliseType).joined(separator: "\\") + "]" }
                    unmappedTransducers[key, default: 0] += 1
                }
                if !y[mapping.transducerGroups.count...].contains(where: { $0 > 0 }) {
                    noStudy += 1
                    let key = LabelMapping.normalise(description)
                    unmappedDescriptions[key.isEmpty ? LabelReport.emptyValue : key, default: 0] += 1
                }
                let yText = "[" + y.map { $0 > 0 ? "1" : "0" }.joined(separator: ",") + "]"
                try insert.execute(arguments: [id, yText, hash])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?), (?, ?)",
                arguments: [Self.labelMappingHashKey, hash, Self.labelGroupsKey, groupsJSON])
            func sorted(_ counts: [String: Int]) -> [LabelReport.Count] {
                counts.map { LabelReport.Count(value: $0.key, count: $0.value) }
                    .sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
            }
            return LabelReport(
                mappingHash: hash, groupNames: mapping.groupNames, groupCounts: groupCounts, labelledFiles: total,
                filesWithoutTransducerGroup: noTransducer, filesWithoutStudyGroup: noStudy,
                unmappedDescriptions: sorted(unmappedDescriptions), unmappedTransducers: sorted(unmappedTransducers),
                filesByKind: sorted(byKind), filesOfOtherKinds: otherKinds)
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
