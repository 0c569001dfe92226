import Foundation
import SonoModels
import Torch
import TorchNN

/// A pretraining checkpoint: one safetensors file holding everything needed to resume exactly.
///
/// Tensor keys:
/// - `model.F.<key>`: F's state dict (`encoder.*` under torchvision names, then `decoder.*` or `head.*`)
/// - `model.D.<key>`: the discriminator's state dict (absent for DCM)
/// - `optim.F.<param>.{exp_avg,exp_avg_sq,step}`, `optim.D.…`: both Adam states
///
/// String metadata: `format` (`sonotag.pretrain.v1`), `epoch` (completed epochs), `epoch_step`
/// (steps of the next epoch already trained: a mid-epoch checkpoint), `global_step`,
/// `seed`, `rng` (the data-order generator's state: seed, next epoch and the position in it, as
/// every epoch's shuffle and libtorch seed derive from the first two), `config` (the effective YAML), `label_count`,
/// `label_mapping_hash`, `label_groups` (JSON list of the label vector's group names),
/// `validation_loss`, `best_validation_loss`, `best_epoch`, and the fp16 loss scalers' state
/// (`grad_scaler_F_scale`, `grad_scaler_F_growth_tracker`, the same for `D`; absent in
/// checkpoints written before they were saved, which still load).
/// Written atomically (temporary file, then rename), so a crash never leaves a torn file.
public struct PretrainCheckpoint {
    public static let format = "sonotag.pretrain.v1"

    public var epoch: Int
    public var globalStep: Int
    public var validationLoss: Double
    public var bestValidationLoss: Double
    public var bestEpoch: Int
    public var labelMappingHash: String
    public var config: RunConfig
    public var labelCount: Int
    /// The label vector's groups in order; empty in checkpoints written before they were recorded.
    public var labelGroupNames: [String]
    /// Steps of epoch `epoch + 1` already trained; 0 for a checkpoint written at an epoch's end.
    public var epochStep = 0

    public init(
        epoch: Int, globalStep: Int, validationLoss: Double, bestValidationLoss: Double, bestEpoch: Int,
        labelMappingHash: String, config: RunConfig, labelCount: Int, labelGroupNames: [String] = []
    ) {
        self.epoch = epoch
        self.globalStep = globalStep
        self.validationLoss = validationLoss
        self.bestValidationLoss = bestValidationLoss
        self.bestEpoch = bestEpoch
        self.labelMappingHash = labelMappingHash
        self.config = config
        self.labelCount = labelCount
        self.labelGroupNames = labelGroupNames
    }

    /// Writes the trainer's networks and optimizers with this metadata to `url`.
    public func save(_ trainer: Pretrainer, to url: URL, durable: Bool = true) throws {
        var entries: [(name: String, tensor: Tensor)] = []
        entries += trainer.generator.stateDict().map { ("model.F." + $0.name, $0.tensor) }
        if let d = trainer.discriminator { entries += d.stateDict().map { ("model.D." + $0.name, $0.tensor) } }
        entries += try trainer.optimizerF.stateDict().map { ("optim.F." + $0.name, $0.tensor) }
        if let o = trainer.optimizerD { entries += try o.stateDict().map { ("optim.D." + $0.name, $0.tensor) } }
        var metadata: [String: String] = [
            "format": Self.format,
            "epoch": String(epoch),
            "epoch_step": String(epochStep),
            "global_step": String(globalStep),
            "seed": String(config.seed),
            "rng": "splitmix64 seed=\(config.seed) next_epoch=\(epoch + 1) next_step=\(epochStep + 1)",
            "config": try config.yaml(),
            "label_count": String(labelCount),
            "label_mapping_hash": labelMappingHash,
            "label_groups": String(decoding: try JSONEncoder().encode(labelGroupNames), as: UTF8.self),
            "validation_loss": String(validationLoss),
            "best_validation_loss": String(bestValidationLoss),
            "best_epoch": String(bestEpoch),
            "method": config.method.rawValue,
            "backbone": config.backbone.rawValue
        ]
        metadata.merge(trainer.scalerF.checkpointMetadata(prefix: "grad_scaler_F")) { $1 }
        if trainer.discriminator != nil { metadata.merge(trainer.scalerD.checkpointMetadata(prefix: "grad_scaler_D")) { $1 } }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try SafeTensors.save(entries, metadata: metadata, to: url, durable: durable)
        } catch {
            throw PretrainError.checkpoint(path: url.path, reason: "cannot write: \(error)")
        }
    }

    /// Reads a checkpoint's metadata and tensors (without building networks).
    public static func read(_ url: URL) throws -> (PretrainCheckpoint, SafeTensorsArchive) {
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(contentsOf: url) } catch {
            throw PretrainError.checkpoint(path: url.path, reason: "\(error)")
        }
        let m = archive.metadata
        func field(_ key: String) throws -> String {
            guard let v = m[key] else { throw PretrainError.checkpoint(path: url.path, reason: "metadata lacks '\(key)'") }
            return v
        }
        func number<T: LosslessStringConvertible>(_ key: String, _: T.Type) throws -> T {
            guard let v = T(try field(key)) else {
                throw PretrainError.checkpoint(path: url.path, reason: "metadata '\(key)' is not a number")
            }
            return v
        }
        guard m["format"] == format else {
            throw PretrainError.checkpoint(
                path: url.path, reason: "not a SonoTag pretraining checkpoint (format \(m["format"] ?? "missing"))")
        }
        let config: RunConfig
        do { config = try RunConfig.fromYAML(try field("config"), source: "\(url.path) metadata 'config'") } catch {
            throw PretrainError.checkpoint(path: url.path, reason: "\(error)")
        }
        let checkpoint = PretrainCheckpoint(
            epoch: try number("epoch", Int.self), globalStep: try number("global_step", Int.self),
            validationLoss: try number("validation_loss", Double.self),
            bestValidationLoss: try number("best_validation_loss", Double.self),
            bestEpoch: try number("best_epoch", Int.self), labelMappingHash: try field("label_mapping_hash"),
            config: config, labelCount: try number("label_count", Int.self),
            labelGroupNames: try m["label_groups"].map { text in
                guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                    throw PretrainError.checkpoint(path: url.path, reason: "metadata 'label_groups' is not a JSON list of names")
                }
                return names
            } ?? [])
        var positioned = checkpoint
        // Checkpoints written before mid-epoch checkpoints existed are all at an epoch's end.
        positioned.epochStep = m["epoch_step"] == nil ? 0 : try number("epoch_step", Int.self)
        return (positioned, archive)
    }

    /// Restores networks, optimizer states and loss scalers into `trainer` (strictly: every key
    /// must match; scaler state only where the checkpoint has it).
    public static func restore(_ archive: SafeTensorsArchive, into trainer: Pretrainer, source: String) throws {
        let all = archive.dictionary
        try trainer.generator.loadStateDict(all, prefix: "model.F.", strict: true, source: source)
        if let d = trainer.discriminator { try d.loadStateDict(all, prefix: "model.D.", strict: true, source: source) }
        try trainer.optimizerF.loadStateDict(all.strippingKeyPrefix("optim.F."), source: source)
        if let o = trainer.optimizerD { try o.loadStateDict(all.strippingKeyPrefix("optim.D."), source: source) }
        do {
            _ = try trainer.scalerF.restore(fromCheckpointMetadata: archive.metadata, prefix: "grad_scaler_F", source: source)
            if trainer.discriminator != nil {
                _ = try trainer.scalerD.restore(fromCheckpointMetadata: archive.metadata, prefix: "grad_scaler_D", source: source)
            }
        } catch let error as CheckpointScalerError {
            throw PretrainError.checkpoint(path: source, reason: error.reason)
        }
    }

    /// Writes the encoder alone, under torchvision's keys, from a checkpoint (`sonotag export`).
    /// The weights pass through a freshly built backbone, so a wrong or partial file fails here
    /// rather than in PyTorch.
    public static func exportEncoder(from checkpointURL: URL, to url: URL) throws -> Backbone {
        let (checkpoint, archive) = try read(checkpointURL)
        let backbone = checkpoint.config.backbone
        let encoder = try makeFeatureExtractor(backbone)
        try EncoderWeights.load(archive.dictionary, into: encoder, source: checkpointURL.path)
        do {
            try encoder.save(
                to: url,
                metadata: [
                    "backbone": backbone.rawValue, "source": "sonotag pretrain",
                    "method": checkpoint.config.method.rawValue, "epoch": String(checkpoint.epoch)
                ])
        } catch {
            throw PretrainError.io(path: url.path, reason: "cannot write encoder: \(error)")
        }
        return backbone
    }
}
