import Foundation
import Torch

/// What a state-dict load found: keys the module expects but the source lacks, source keys the
/// module does not have, and keys present in both with different shapes.
public struct StateDictReport: Equatable, Sendable, CustomStringConvertible {
    public struct ShapeMismatch: Equatable, Sendable {
        public let key: String
        public let expected: [Int]
        public let found: [Int]
    }

    public var missingKeys: [String] = []
    public var unexpectedKeys: [String] = []
    public var shapeMismatches: [ShapeMismatch] = []

    public var isClean: Bool { missingKeys.isEmpty && unexpectedKeys.isEmpty && shapeMismatches.isEmpty }

    public var description: String {
        var parts: [String] = []
        if !missingKeys.isEmpty { parts.append("missing keys (\(missingKeys.count)): \(missingKeys.joined(separator: ", "))") }
        if !unexpectedKeys.isEmpty {
            parts.append("unexpected keys (\(unexpectedKeys.count)): \(unexpectedKeys.joined(separator: ", "))")
        }
        if !shapeMismatches.isEmpty {
            let items = shapeMismatches.map { "\($0.key) expected \($0.expected) found \($0.found)" }
            parts.append("shape mismatches (\(shapeMismatches.count)): \(items.joined(separator: "; "))")
        }
        return parts.isEmpty ? "all keys matched" : parts.joined(separator: "\n")
    }
}

/// A load refused because of the problems in `report` (all of them, not just the first).
public struct StateDictError: Error, CustomStringConvertible, LocalizedError {
    public let source: String
    public let report: StateDictReport

    public var description: String { "cannot load state dict from \(source):\n\(report)" }
    public var errorDescription: String? { description }
}

extension Dictionary where Key == String, Value == Tensor {
    /// The entries whose keys start with `prefix`, under their keys with `prefix` removed: one
    /// network's part of a whole-model checkpoint (`encoder.`, `model.F.`, `optim.D.`).
    public func strippingKeyPrefix(_ prefix: String) -> [String: Tensor] {
        guard !prefix.isEmpty else { return self }
        var out: [String: Tensor] = [:]
        for (key, tensor) in self where key.hasPrefix(prefix) { out[String(key.dropFirst(prefix.count))] = tensor }
        return out
    }
}

extension Module {
    /// Copies `tensors` into this module's parameters and buffers (converting dtype and device).
    ///
    /// Only source keys that start with `prefix` take part, with the prefix removed: e.g.
    /// `prefix: "encoder."` loads just an encoder out of a whole-model checkpoint. Shape
    /// mismatches always refuse the load; `strict` also refuses missing and unexpected keys.
    /// Nothing is copied unless the whole load is accepted. Returns what did not match.
    @discardableResult
    public func loadStateDict(
        _ tensors: [String: Tensor], prefix: String = "", strict: Bool = true,
        source: String = "<state dict>"
    ) throws -> StateDictReport {
        let selected = tensors.strippingKeyPrefix(prefix)
        let own = stateDict()
        var report = StateDictReport()
        var pairs: [(destination: Tensor, source: Tensor)] = []
        let ownKeys = Set(own.map(\.name))
        for (key, destination) in own {
            guard let tensor = selected[key] else {
                report.missingKeys.append(key)
                continue
            }
            if tensor.shape != destination.shape {
                report.shapeMismatches.append(.init(key: key, expected: destination.shape, found: tensor.shape))
            } else {
                pairs.append((destination, tensor))
            }
        }
        report.unexpectedKeys = selected.keys.filter { !ownKeys.contains($0) }.sorted().map { prefix + $0 }
        if !report.shapeMismatches.isEmpty || (strict && !report.isClean) {
            throw StateDictError(source: source, report: report)
        }
        try withNoGrad {
            for (destination, tensor) in pairs { try destination.copy(from: tensor) }
        }
        return report
    }

    /// Loads a safetensors file written by `save(to:)` or by PyTorch (`safetensors.torch.save_file`).
    @discardableResult
    public func load(contentsOf url: URL, prefix: String = "", strict: Bool = true) throws -> StateDictReport {
        let archive = try SafeTensors.load(contentsOf: url)
        return try loadStateDict(archive.dictionary, prefix: prefix, strict: strict, source: url.path)
    }

    /// Writes the state dict atomically as safetensors, keys prefixed with `prefix`.
    public func save(to url: URL, prefix: String = "", metadata: [String: String] = [:]) throws {
        let entries = stateDict().map { (name: prefix + $0.name, tensor: $0.tensor) }
        try SafeTensors.save(entries, metadata: metadata, to: url)
    }
}
