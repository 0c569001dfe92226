import Foundation
import Torch
import TorchNN

/// Loading an encoder from any of the files SonoTag meets: a torchvision checkpoint converted to
/// safetensors (classifier keys are ignored), an exported encoder, or a pretraining checkpoint
/// (whose encoder sits under `model.F.encoder.`).
public enum EncoderWeights {
    public struct LoadError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Loads `url` into `encoder`. Every encoder key must be present with its shape; keys of the
    /// ImageNet classifier (`classifier.*`, `fc.*`) are allowed and skipped; anything else is an error.
    @discardableResult
    public static func load(_ url: URL, into encoder: any FeatureExtractor) throws -> StateDictReport {
        let archive = try SafeTensors.load(contentsOf: url)
        let all = archive.dictionary
        let prefix = all.keys.contains { $0.hasPrefix("model.F.encoder.") } ? "model.F.encoder." : ""
        var selected: [String: Tensor] = [:]
        for (key, tensor) in all where key.hasPrefix(prefix) {
            let name = String(key.dropFirst(prefix.count))
            if prefix.isEmpty && (name.hasPrefix("classifier.") || name.hasPrefix("fc.")) { continue }
            selected[name] = tensor
        }
        do {
            return try encoder.loadStateDict(selected, strict: true, source: url.path)
        } catch let error as StateDictError {
            throw LoadError(path: url.path, reason: "does not hold a \(encoder.backbone.rawValue) encoder:\n\(error.report)")
        }
    }
}
