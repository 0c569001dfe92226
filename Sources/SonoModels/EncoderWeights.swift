import Foundation
import Torch
import TorchNN

/// The one way SonoTag loads an encoder (`features`, `finetune --encoder`, `pretrain
/// --initial-weights`, `export`), from any file it meets: a torchvision checkpoint converted to
/// safetensors (the ImageNet classifier's keys are skipped), an exported encoder, a pretraining
/// checkpoint (the encoder under `model.F.encoder.`) or a fine-tuning checkpoint (`encoder.`), or
/// a pretraining run folder holding one of them.
///
/// Loading is strict on the encoder: every key must be present with its shape, and a file
/// without a key prefix may hold nothing but the encoder and a classifier.
public enum EncoderWeights {
    public struct LoadError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The files of a pretraining run folder that hold its encoder, in the order tried: the
    /// export (`sonotag export`), then the best and the last checkpoint.
    public static let runFiles = ["encoder.safetensors", "checkpoints/best.safetensors", "checkpoints/last.safetensors"]

    /// The safetensors file behind `path`: the file itself, or the first of `runFiles` in a folder.
    public static func resolve(_ path: String) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LoadError(path: path, reason: "no such file or folder")
        }
        let url = URL(fileURLWithPath: path)
        guard isDirectory.boolValue else { return url }
        for name in runFiles {
            let candidate = url.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        throw LoadError(path: path, reason: "not a pretraining run folder (no \(runFiles.joined(separator: ", ")))")
    }

    /// Loads the encoder weights in `url` (a file or a run folder) into `encoder`.
    /// - Returns: the load's report and the key prefix the encoder was found under.
    @discardableResult
    public static func load(_ url: URL, into encoder: any FeatureExtractor) throws -> (report: StateDictReport, file: URL, prefix: String) {
        let file = try resolve(url.path)
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(contentsOf: file) } catch {
            throw LoadError(path: file.path, reason: "\(error)")
        }
        let (report, prefix) = try load(archive.dictionary, into: encoder, source: file.path)
        return (report, file, prefix)
    }

    /// Loads the encoder out of `tensors` (a file's whole state dict) into `encoder`.
    @discardableResult
    public static func load(
        _ tensors: [String: Tensor], into encoder: any FeatureExtractor,
        source: String
    ) throws -> (report: StateDictReport, prefix: String) {
        guard let prefix = encoderPrefix(in: Set(tensors.keys), encoder: encoder) else {
            throw LoadError(
                path: source,
                reason: "no \(encoder.backbone.rawValue) encoder keys found "
                    + "(e.g. \(encoder.stateDict().first?.name ?? "?")). Is the backbone right?")
        }
        var selected = tensors.strippingKeyPrefix(prefix)
        if prefix.isEmpty {
            selected = selected.filter { !$0.key.hasPrefix("classifier.") && !$0.key.hasPrefix("fc.") }
        }
        do {
            return (try encoder.loadStateDict(selected, strict: true, source: source), prefix)
        } catch let error as StateDictError {
            let r = error.report
            func some(_ keys: [String]) -> String { keys.prefix(4).joined(separator: ", ") + (keys.count > 4 ? ", …" : "") }
            var parts: [String] = []
            if !r.missingKeys.isEmpty { parts.append("\(r.missingKeys.count) missing keys (\(some(r.missingKeys)))") }
            if !r.unexpectedKeys.isEmpty { parts.append("\(r.unexpectedKeys.count) unexpected keys (\(some(r.unexpectedKeys)))") }
            if !r.shapeMismatches.isEmpty {
                parts.append(
                    "\(r.shapeMismatches.count) shape mismatches (\(some(r.shapeMismatches.map { "\($0.key) \($0.expected) vs \($0.found)" })))"
                )
            }
            throw LoadError(
                path: source,
                reason: "does not hold a \(encoder.backbone.rawValue) encoder: "
                    + parts.joined(separator: "; ") + ". Is the backbone right?")
        }
    }

    /// The key prefix under which the encoder sits in a file: "" for torchvision and exported
    /// files, `encoder.` or deeper for whole-model checkpoints. Found from the encoder's own first
    /// key, so no list of layouts needs to be kept in step with the trainers.
    static func encoderPrefix(in keys: Set<String>, encoder: any FeatureExtractor) -> String? {
        let own = encoder.stateDict().map(\.name)
        guard let probe = own.first else { return nil }
        let candidates = keys.filter { $0 == probe || $0.hasSuffix("." + probe) }
            .map { String($0.dropLast(probe.count)) }
            .sorted { $0.count < $1.count }
        // Prefer the prefix that holds the most of the encoder's keys (a checkpoint may hold two
        // networks, e.g. a context encoder and a discriminator with a similar first layer).
        return candidates.max { a, b in
            own.filter { keys.contains(a + $0) }.count < own.filter { keys.contains(b + $0) }.count
        }
    }
}
