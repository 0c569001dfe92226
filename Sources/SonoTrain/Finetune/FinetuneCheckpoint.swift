import Foundation
import SonoSupport
import Torch
import TorchNN

/// A fine-tuning checkpoint: one safetensors file with the network under `model.` (so the
/// encoder is `model.encoder.*`, torchvision keys), the Adam state under `optim.` (last
/// checkpoint only) and the run's progress in the metadata, as pretraining checkpoints do; the
/// last checkpoint also keeps the fp16 loss scaler's state (`grad_scaler_scale`,
/// `grad_scaler_growth_tracker`), which older checkpoints lack and still load without.
enum FinetuneCheckpoint {
    struct State {
        var epoch: Int
        var bestEpoch: Int
        var bestLoss: Double
        var bestMetric: Double
        var progress: EpochProgress
    }

    /// How far a mid-epoch checkpoint got into epoch `epoch + 1`: steps trained and the running
    /// sums of its training loss; all zero at an epoch's end.
    struct EpochProgress {
        var steps = 0
        var lossSum = 0.0
        var seen = 0
    }

    static let scalerPrefix = "grad_scaler"

    static func save(
        network: FinetuneNetwork, optimizer: Adam?, config: FinetuneConfig, epoch: Int,
        best: (epoch: Int, loss: Double, metric: Double), progress: EpochProgress = EpochProgress(),
        scaler: GradientScaler? = nil, to url: URL, durable: Bool = true
    ) throws {
        var entries = network.module.stateDict().map { (name: "model." + $0.name, tensor: $0.tensor) }
        if let optimizer { entries += try optimizer.stateDict().map { ("optim." + $0.name, $0.tensor) } }
        var metadata = [
            "format": FinetuneRun.checkpointFormat,
            "epoch": String(epoch),
            "epoch_step": String(progress.steps),
            // The running sum's bits, exactly, so a resumed epoch reports the same mean train loss.
            "epoch_loss_sum_bits": String(progress.lossSum.bitPattern),
            "epoch_seen": String(progress.seen),
            "best_epoch": String(best.epoch),
            "best_validation_loss": String(best.loss),
            "best_validation_metric": String(best.metric),
            "task": config.task.rawValue,
            "backbone": config.backbone.rawValue,
            "config": (try? String(data: JSONEncoder().encode(config), encoding: .utf8) ?? "") ?? ""
        ]
        if let scaler { metadata.merge(scaler.checkpointMetadata(prefix: scalerPrefix)) { $1 } }
        do {
            try SafeTensors.save(entries, metadata: metadata, to: url, durable: durable)
        } catch {
            throw FinetuneError.badRunFile(url.path, reason: "cannot write checkpoint: \(error)")
        }
    }

    /// Loads weights (strictly) and, when given, the optimizer state and the loss scaler's
    /// (a checkpoint without the scaler's leaves it as it is); returns the saved progress.
    @discardableResult
    static func restore(_ url: URL, network: FinetuneNetwork, optimizer: Adam?, scaler: GradientScaler? = nil) throws -> State {
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(contentsOf: url) } catch {
            throw FinetuneError.badRunFile(url.path, reason: "\(error)")
        }
        guard archive.metadata["format"] == FinetuneRun.checkpointFormat else {
            throw FinetuneError.badRunFile(
                url.path, reason: "not a fine-tuning checkpoint (format \(archive.metadata["format"] ?? "missing"))")
        }
        let tensors = archive.dictionary
        do {
            try network.module.loadStateDict(
                tensors.filter { $0.key.hasPrefix("model.") }, prefix: "model.", strict: true, source: url.path)
            if let optimizer {
                var state: [String: Tensor] = [:]
                for (key, tensor) in tensors where key.hasPrefix("optim.") { state[String(key.dropFirst("optim.".count))] = tensor }
                try optimizer.loadStateDict(state, source: url.path)
            }
            if let scaler { _ = try scaler.restore(fromCheckpointMetadata: archive.metadata, prefix: scalerPrefix, source: url.path) }
        } catch let error as CheckpointScalerError {
            throw FinetuneError.badRunFile(url.path, reason: error.reason)
        } catch {
            throw FinetuneError.badRunFile(url.path, reason: "\(error)")
        }
        func number(_ key: String) -> Double { archive.metadata[key].flatMap(Double.init) ?? .nan }
        // Checkpoints without these were written at an epoch's end.
        let progress = EpochProgress(
            steps: archive.metadata["epoch_step"].flatMap { Int($0) } ?? 0,
            lossSum: archive.metadata["epoch_loss_sum_bits"].flatMap { UInt64($0) }.map(Double.init(bitPattern:)) ?? 0,
            seen: archive.metadata["epoch_seen"].flatMap { Int($0) } ?? 0)
        return State(
            epoch: Int(number("epoch")), bestEpoch: Int(number("best_epoch")),
            bestLoss: number("best_validation_loss"), bestMetric: number("best_validation_metric"), progress: progress)
    }
}

/// `metrics.csv` of a fine-tuning run: one row per epoch, flushed as it is written.
final class FinetuneMetricsLog {
    static let header = "epoch,train_loss,val_loss,val_metric,seconds,best"
    private let handle: FileHandle

    /// Opens the log, keeping rows of epochs ≤ `keepingEpochsThrough` from an earlier run.
    init(url: URL, keepingEpochsThrough lastEpoch: Int) throws {
        var lines = [Self.header]
        if lastEpoch > 0, let old = try? String(contentsOf: url, encoding: .utf8) {
            for line in old.split(separator: "\n").dropFirst() {
                if let e = line.split(separator: ",").first.flatMap({ Int($0) }), e <= lastEpoch { lines.append(String(line)) }
            }
        }
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: url)
        guard let h = FileHandle(forWritingAtPath: url.path) else {
            throw FinetuneError.badRunFile(url.path, reason: "cannot open for appending")
        }
        handle = h
        handle.seekToEndOfFile()
    }

    func append(epoch: Int, trainLoss: Double, validationLoss: Double, validationMetric: Double, seconds: Double, best: Bool) {
        let line = String(format: "%d,%.7g,%.7g,%.7g,%.3f,%d\n", epoch, trainLoss, validationLoss, validationMetric, seconds, best ? 1 : 0)
        handle.write(Data(line.utf8))
    }

    deinit { try? handle.close() }

    /// Rows of a metrics file as (epoch, train loss, validation loss, epoch seconds), for the
    /// report's loss curves and times (seconds 0 where a row lacks them).
    static func read(_ url: URL) -> [(epoch: Int, train: Double, validation: Double, seconds: Double)] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: ",").map(String.init)
            guard f.count >= 3, let e = Int(f[0]), let t = Double(f[1]), let v = Double(f[2]) else { return nil }
            return (e, t, v, f.count > 4 ? Double(f[4]) ?? 0 : 0)
        }
    }
}
