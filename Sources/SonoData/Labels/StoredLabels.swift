import Foundation
import GRDB

/// The weak labels `sonotag labels` stored in a manifest, all made by one mapping: the single
/// source of the label vectors that pretraining and experiments train on.
public struct StoredLabels: Sendable, Equatable {
    /// SHA-256 of the mapping that produced the vectors (`LabelMapping.hash`).
    public var mappingHash: String
    /// The label vector's groups, in order.
    public var groupNames: [String]
    /// One vector per labelled file id.
    public var vectors: [Int64: [Float]]

    public init(mappingHash: String, groupNames: [String], vectors: [Int64: [Float]]) {
        self.mappingHash = mappingHash
        self.groupNames = groupNames
        self.vectors = vectors
    }

    /// K, the length of every vector.
    public var count: Int { groupNames.count }
}

extension ManifestDatabase {
    /// The labels last stored by `applyLabels`. A manifest that was never labelled is an error
    /// rather than an empty set, so nothing trains on all-zero labels by accident.
    public func weakLabels() throws -> StoredLabels {
        guard let hash = try meta(Self.labelMappingHashKey) else { throw SonoDataError.noStoredLabels(manifest: path) }
        guard let groupsText = try meta(Self.labelGroupsKey),
            let groups = try? JSONDecoder().decode([String].self, from: Data(groupsText.utf8))
        else {
            throw SonoDataError.staleLabels(manifest: path, reason: "meta '\(Self.labelGroupsKey)' is missing or not a JSON list of names")
        }
        let vectors = try storedLabels(mappingHash: hash)
        if let bad = vectors.first(where: { $0.value.count != groups.count }) {
            throw SonoDataError.staleLabels(
                manifest: path, reason: "file id \(bad.key) has \(bad.value.count) labels, the mapping has \(groups.count) groups")
        }
        return StoredLabels(mappingHash: hash, groupNames: groups, vectors: vectors)
    }
}

extension LabelMapping {
    /// The mapping a labelling run uses: the file at `path` (a labels.yaml), else the paper's.
    /// `sonotag labels` and the training commands' `--labels` both choose through here, so the
    /// same file always gives the same mapping and hash.
    public static func chosen(path: String?, includePhased: Bool = false) throws -> LabelMapping {
        guard let path else { return .paperDefault(includePhased: includePhased) }
        let mapping = try LabelMapping.load(contentsOf: URL(fileURLWithPath: path))
        if includePhased, !mapping.transducerGroups.contains("phased") {
            throw SonoDataError.invalidLabelFile(path: path, message: "has no phased group; add `phased: true` to it")
        }
        return mapping
    }
}
