import Foundation
import GRDB

/// One row of `sonotag labels --export`: a training sample (a frame of an `ok` image) with what
/// its weak labels were made from.
public struct LabelledSample: Sendable, Equatable {
    /// Relative to the archive root (`LabelExport.root`), as the manifest stores it.
    public var path: String
    public var frame: Int
    public var kind: ImageKind?
    /// Transducer Data as stored (values joined with `\`), and Transducer Type when it decided.
    public var transducer: String
    public var transducerGroup: String?
    public var studyDescription: String
    /// Study groups in label order.
    public var groups: [String]
    public var split: SplitName?

    /// The CSV row, in `LabelExport.header` order.
    public var fields: [String] {
        [
            path, String(frame), kind?.rawValue ?? "", transducer, transducerGroup ?? "", studyDescription,
            groups.joined(separator: ";"), split?.rawValue ?? ""
        ]
    }
}

/// What `labels --export` writes: every labelled sample, for inspection and for other tools.
public struct LabelExport: Sendable {
    public static let header = ["path", "frame", "kind", "transducer", "transducer_group", "study_description", "groups", "split"]
    /// The archive root the manifest's paths are relative to ("" when it records none).
    public var root: String
    public var samples: [LabelledSample]
}

extension ManifestDatabase {
    /// Every frame of the `ok` images of `kinds` (nil: all), labelled with `mapping`, ordered by
    /// path and frame.
    public func labelExport(_ mapping: LabelMapping, kinds: [ImageKind]? = nil) throws -> LabelExport {
        let rows: [(file: FileRecord, split: String?)] = try pool.read { db in
            let sql = """
                SELECT f.*, s.split AS assigned_split FROM files f
                LEFT JOIN patient_splits s ON s.patient_key = \(Self.patientKeySQL)
                WHERE f.status = 'ok' ORDER BY f.path
                """
            return try Row.fetchAll(db, sql: sql).map { row in (try FileRecord(row: row), row["assigned_split"] as String?) }
        }
        let selected = rows.filter { row in kinds.map { kinds in row.file.imageKind.map(kinds.contains) ?? false } ?? true }
        let root = try archiveRoot() ?? ""
        var samples: [LabelledSample] = []
        for (file, split) in selected {
            var transducer = file.transducerData ?? ""
            let group = mapping.transducerGroup(forValues: file.transducers, types: file.transducerTypes)
            if mapping.transducerGroup(forValues: file.transducers) == nil, group != nil, let type = file.transducerType {
                transducer += (transducer.isEmpty ? "" : " ") + "[type \(type)]"
            }
            let groups = mapping.studyGroups(for: file.studyDescription ?? "")
            for frame in 0..<max(1, file.frames ?? 1) {
                samples.append(
                    LabelledSample(
                        path: file.path, frame: frame, kind: file.imageKind, transducer: transducer, transducerGroup: group,
                        studyDescription: file.studyDescription ?? "", groups: mapping.studyGroups.filter(groups.contains),
                        split: split.flatMap(SplitName.init(rawValue:))))
            }
        }
        return LabelExport(root: root, samples: samples)
    }
}
