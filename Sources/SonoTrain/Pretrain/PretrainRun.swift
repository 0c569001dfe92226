import Foundation
import Imaging
import SeededRandom
import SonoModels
import SonoSupport
import Torch
import TorchNN
import Yams

/// What a finished (or stopped) pretraining run produced.
public struct PretrainSummary: Sendable {
    public var runDirectory: URL
    public var epochsCompleted: Int
    public var bestEpoch: Int
    public var bestValidationLoss: Double
    public var lastValidationLoss: Double
    public var bestCheckpoint: URL
    public var lastCheckpoint: URL
}

/// The files of a run directory.
public struct PretrainRunLayout: Sendable {
    public let root: URL
    public init(_ root: URL) { self.root = root }
    public var config: URL { root.appendingPathComponent("config.yaml") }
    /// The weak labels the run trains on: mapping hash and group names (`RunLabels`).
    public var labels: URL { root.appendingPathComponent("weak_labels.yaml") }
    public var metrics: URL { root.appendingPathComponent("metrics.csv") }
    public var checkpoints: URL { root.appendingPathComponent("checkpoints") }
    public var lastCheckpoint: URL { checkpoints.appendingPathComponent("last.safetensors") }
    public var bestCheckpoint: URL { checkpoints.appendingPathComponent("best.safetensors") }
    public var grids: URL { root.appendingPathComponent("inpainting") }
    public func grid(epoch: Int) -> URL { grids.appendingPathComponent(String(format: "epoch-%04d.png", epoch)) }
}

/// Runs pretraining: `config.epochs` epochs of alternating D/F steps over `train`, validation
/// L_F after each epoch, metrics, in-painting grids and checkpoints in `runDirectory`.
///
/// With `resume`, the run continues from `checkpoints/last.safetensors`: weights, both Adam
/// states and the data order are restored, so the following losses equal those of an
/// uninterrupted run with the same seed. `config` must be the recorded one (see `resumePlan`),
/// except that `epochs` may be raised to train longer and `device`, `threads`, `precision` and
/// `sync_batchnorm` may change; the weak labels must be of the recorded mapping.
///
/// With a data-parallel `group`, every member calls this with the same arguments: each trains
/// on its shard of every batch (`config.batchSize` is the global batch, split evenly), gradients
/// and losses are averaged over the group, and rank 0 alone writes the run directory. The
/// schedule depends on the global batch only, so a run may resume with another number of processes.
public func pretrain(
    config requested: RunConfig, train: PretrainBatchSource, validation: PretrainBatchSource,
    runDirectory: URL, resume: Bool = false, progress: ProgressReporter = ProgressReporter(),
    group: ProcessGroup? = nil
) throws -> PretrainSummary {
    let world = group?.worldSize ?? 1
    let shard = DataShard(index: group?.rank ?? 0, count: world)
    let writes = shard.index == 0
    let layout = PretrainRunLayout(runDirectory)
    let fm = FileManager.default
    let config = requested
    var resumed: (PretrainCheckpoint, SafeTensorsArchive)?
    if resume {
        guard fm.fileExists(atPath: layout.lastCheckpoint.path) else {
            throw PretrainError.checkpoint(path: layout.lastCheckpoint.path, reason: "nothing to resume: no such file")
        }
        let (checkpoint, archive) = try PretrainCheckpoint.read(layout.lastCheckpoint)
        let differences = checkpoint.config.differences(
            from: requested, among: RunConfig.Key.allCases.filter { !$0.changesOnResume && $0 != .epochs })
        guard differences.isEmpty else { throw PretrainError.resumeConflict(run: runDirectory.path, differences: differences) }
        guard checkpoint.labelMappingHash == train.labelMappingHash else {
            throw PretrainError.labelMismatch(expected: checkpoint.labelMappingHash, found: train.labelMappingHash)
        }
        resumed = (checkpoint, archive)
    } else if fm.fileExists(atPath: layout.lastCheckpoint.path) {
        throw PretrainError.io(
            path: runDirectory.path,
            reason: "already holds a run (checkpoints/last.safetensors); pass --resume to continue it or choose another --out")
    }
    try config.validate()
    guard config.batchSize % world == 0, config.batchSize / world >= 2 else {
        throw RunConfigError.invalidValue(
            source: RunConfig.CodingKeys.batchSize.rawValue,
            reason: "the global batch \(config.batchSize) must split into \(world) equal shards of at least 2 (one per process)")
    }
    guard train.labelCount == validation.labelCount else {
        throw PretrainError.invalidBatch(reason: "train has \(train.labelCount) labels, validation \(validation.labelCount)")
    }
    guard train.imageCount >= 2 else { throw PretrainError.emptyDataset(split: config.trainSplit.rawValue) }
    guard validation.imageCount >= 1 else { throw PretrainError.emptyDataset(split: config.validationSplit.rawValue) }
    try TrainingThreads.configure(requested: config.threads)

    if writes {
        do {
            try fm.createDirectory(at: layout.checkpoints, withIntermediateDirectories: true)
            try fm.createDirectory(at: layout.grids, withIntermediateDirectories: true)
            try AtomicFile.write(config.yaml(), to: layout.config)
            try AtomicFile.write(
                RunLabels(mappingHash: train.labelMappingHash, groupNames: train.labelGroupNames).yaml(), to: layout.labels)
        } catch {
            throw PretrainError.io(path: runDirectory.path, reason: "cannot write the run directory: \(error)")
        }
    }

    let trainer = try Pretrainer(config: config, labelCount: train.labelCount, group: group)
    var startEpoch = 1, globalStep = 0, resumedSteps = 0
    var best = (epoch: 0, loss: Double.infinity), lastValidation = Double.nan
    if let (checkpoint, archive) = resumed {
        try PretrainCheckpoint.restore(archive, into: trainer, source: layout.lastCheckpoint.path)
        startEpoch = checkpoint.epoch + 1
        globalStep = checkpoint.globalStep
        best = (checkpoint.bestEpoch, checkpoint.bestValidationLoss)
        lastValidation = checkpoint.validationLoss
        resumedSteps = checkpoint.epochStep
        let position = resumedSteps > 0 ? "after \(resumedSteps) steps of epoch \(startEpoch)" : "after epoch \(checkpoint.epoch)"
        progress.note("resuming \(runDirectory.path) \(position) (best L_F \(format(best.loss)) at epoch \(best.epoch))")
    }
    let metrics =
        writes
        ? try PretrainMetricsLog(
            url: layout.metrics, keepingEpochsThrough: resumed.map { $0.0.epoch } ?? 0,
            keepingStepsThrough: resumed.map { $0.0.globalStep }) : nil
    let gridBatch = writes ? try gridImages(validation, count: config.gridImages, config: config) : nil
    // The gradient-share diagnostic's fixed batch (batch norm in training mode needs ≥ 2 images).
    // Every member computes it: with sync_batchnorm its training-mode forward is a collective.
    let diagnosticBatch =
        validation.imageCount >= 2
        ? try firstImages(validation, count: min(config.batchSize, validation.imageCount), config: config) : nil
    let stepsPerEpoch = train.batchCount(batchSize: config.batchSize, limit: config.maxImages, dropIncomplete: true)
    guard stepsPerEpoch > 0 else {
        throw PretrainError.invalidBatch(
            reason:
                "\(min(train.imageCount, config.maxImages ?? .max)) training images make no full batch of \(config.batchSize); lower batch_size"
        )
    }
    let lastGood: () -> String? = { fm.fileExists(atPath: layout.lastCheckpoint.path) ? layout.lastCheckpoint.path : nil }
    let policy = StepCheckpointPolicy(every: config.checkpointEvery, group: group)
    func checkpointRecord(completedEpochs: Int, epochStep: Int) -> PretrainCheckpoint {
        var checkpoint = PretrainCheckpoint(
            epoch: completedEpochs, globalStep: globalStep, validationLoss: lastValidation,
            bestValidationLoss: best.loss, bestEpoch: best.epoch,
            labelMappingHash: train.labelMappingHash, config: config, labelCount: train.labelCount,
            labelGroupNames: train.labelGroupNames)
        checkpoint.epochStep = epochStep
        return checkpoint
    }
    func stop(epoch: Int, step: Int) throws -> TrainingInterrupted {
        // Nobody exits before rank 0's checkpoint is on disk.
        if let group, world > 1 { try group.barrier() }
        return TrainingInterrupted(runDirectory: runDirectory, checkpoint: layout.lastCheckpoint, epoch: epoch, stepsIntoEpoch: step)
    }

    for epoch in stride(from: startEpoch, through: config.epochs, by: 1) {
        // Everything random in an epoch derives from (seed, epoch), which is what makes resume exact.
        // A training step draws nothing from libtorch's generator (the mask is fixed, augmentation
        // is the loader's own seeded stream), so this seed also holds for a mid-epoch resume.
        try TorchRuntime.manualSeed(SplitMix64.stream(seed: config.seed, epoch: epoch, stream: 1).state)
        // Steps a mid-epoch checkpoint already trained: their batches are still drawn, so the
        // epoch's order and augmentation stream run on exactly as in an uninterrupted run.
        let skipped = epoch == startEpoch ? resumedSteps : 0
        var step = 0
        let started = Date()
        do {
            try train.forEachBatch(
                epoch: epoch, batchSize: config.batchSize, seed: config.seed, shuffled: true,
                limit: config.maxImages, dropIncomplete: true, shard: shard
            ) { batch in
                step += 1
                guard step > skipped else { return }
                globalStep += 1
                let losses = try trainer.trainStep(batch, epoch: epoch, step: step)
                let rate = Double((step - skipped) * config.batchSize) / max(Date().timeIntervalSince(started), 1e-9)
                var record = PretrainRecord(
                    kind: .step, epoch: epoch, step: globalStep, lossD: losses.discriminator,
                    lossF: losses.generator, lossRec: losses.reconstruction,
                    lossAdv: losses.adversarial, imagesPerSecond: rate)
                record.lossDReal = losses.discriminatorReal
                record.lossDFake = losses.discriminatorFake
                metrics?.append(record)
                progress.step(
                    epoch: epoch, epochs: config.epochs, step: step, stepsPerEpoch: stepsPerEpoch,
                    losses: describe(losses), imagesPerSecond: rate)
                let next = try policy.decision(globalStep: globalStep, step: step, stepsPerEpoch: stepsPerEpoch)
                if next.save, writes {
                    try checkpointRecord(completedEpochs: epoch - 1, epochStep: step).save(trainer, to: layout.lastCheckpoint)
                }
                if next.stop { throw try stop(epoch: epoch, step: step) }
            }
        } catch let PretrainError.diverged(e, s, which, _) {
            throw PretrainError.diverged(epoch: e, step: s, which: which, lastGoodCheckpoint: lastGood())
        }
        let rate = Double((step - skipped) * config.batchSize) / max(Date().timeIntervalSince(started), 1e-9)
        let val = try validationLoss(trainer, validation, config: config, shard: shard)
        guard val.generator.isFinite else {
            throw PretrainError.diverged(epoch: epoch, step: step, which: "validation L_F", lastGoodCheckpoint: lastGood())
        }
        lastValidation = val.generator
        var record = PretrainRecord(
            kind: .epoch, epoch: epoch, step: globalStep, lossD: val.discriminator, lossF: val.generator,
            lossRec: val.reconstruction, lossAdv: val.adversarial, validationLossF: val.generator,
            imagesPerSecond: rate)
        record.lossDReal = val.discriminatorReal
        record.lossDFake = val.discriminatorFake
        record.conditionalShare = val.conditional?.share
        record.conditionalMargin = val.conditional?.margin
        record.labelAccuracy = val.labelAccuracy
        if let diagnosticBatch, let norms = try trainer.encoderGradientNorms(diagnosticBatch) {
            record.gradientNormAdversarial = norms.adversarial
            record.gradientNormReconstruction = norms.reconstruction
        }
        metrics?.append(record)
        if let gridBatch, let out = try trainer.inpaint(gridBatch.images) {
            let raster = try PretrainGrid.render(
                images: gridBatch.images, masked: out.masked, predictions: out.prediction,
                mask: trainer.mask, captions: gridBatch.captions,
                title: "epoch \(epoch) \(config.method.rawValue) \(config.backbone.rawValue)")
            do { try PNG.write(raster, to: layout.grid(epoch: epoch).path) } catch {
                throw PretrainError.io(path: layout.grid(epoch: epoch).path, reason: "\(error)")
            }
        }
        let improved = val.generator < best.loss
        if improved { best = (epoch, val.generator) }
        let checkpoint = checkpointRecord(completedEpochs: epoch, epochStep: 0)
        if writes {
            // Flushed to disk after the last epoch only; a killed process still leaves them whole.
            let durable = epoch == config.epochs
            if improved { try checkpoint.save(trainer, to: layout.bestCheckpoint, durable: durable) }
            try checkpoint.save(trainer, to: layout.lastCheckpoint, durable: durable)
            if durable {
                do { try AtomicFile.synchronize(layout.bestCheckpoint) } catch {
                    throw PretrainError.checkpoint(path: layout.bestCheckpoint.path, reason: "\(error)")
                }
            }
        }
        progress.note(
            String(
                format: "epoch %d/%d  validation L_F %@%@  %.1f img/s%@", epoch, config.epochs,
                format(val.generator), improved ? " (best)" : "", rate, describeInside(record)))
        if epoch < config.epochs, try TrainingInterruption.isRequested(agreedOver: group) { throw try stop(epoch: epoch, step: 0) }
    }
    // Nobody reports success before rank 0's last checkpoint is on disk.
    if let group, world > 1 { try group.barrier() }
    return PretrainSummary(
        runDirectory: runDirectory, epochsCompleted: max(config.epochs, startEpoch - 1),
        bestEpoch: best.epoch, bestValidationLoss: best.loss, lastValidationLoss: lastValidation,
        bestCheckpoint: layout.bestCheckpoint, lastCheckpoint: layout.lastCheckpoint)
}

/// What `pretrain --resume` does with a run folder.
public enum ResumePlan: Equatable {
    /// Every epoch the run asks for is trained: nothing to do.
    case finished(config: RunConfig, completedEpochs: Int, bestEpoch: Int, bestValidationLoss: Double)
    /// Continue after `completedEpochs` with `config`.
    case resume(config: RunConfig, completedEpochs: Int)

    public var config: RunConfig {
        switch self {
        case .finished(let config, _, _, _), .resume(let config, _): return config
        }
    }
}

/// How a resume of `runDirectory` proceeds: with the configuration its last checkpoint recorded,
/// changed only where `explicit` names a setting. Raising `epochs` extends the run, and `device`
/// and `threads` may change; any other explicit setting that differs from the record is an error
/// naming it and both values, and fewer epochs than already trained is an error. Open the data
/// with the plan's configuration, since image size and splits come from the record.
public func resumePlan(runDirectory: URL, requested: RunConfig, explicit: Set<RunConfig.Key>) throws -> ResumePlan {
    let url = PretrainRunLayout(runDirectory).lastCheckpoint
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw PretrainError.checkpoint(path: url.path, reason: "nothing to resume: no such file")
    }
    let (checkpoint, _) = try PretrainCheckpoint.read(url)
    let recorded = checkpoint.config
    let fixed = explicit.filter { !$0.changesOnResume && $0 != .epochs }
    let differences = recorded.differences(from: requested, among: fixed)
    guard differences.isEmpty else { throw PretrainError.resumeConflict(run: runDirectory.path, differences: differences) }
    var config = recorded
    for key in explicit where key.changesOnResume {
        switch key {
        case .device: config.device = requested.device
        case .threads: config.threads = requested.threads
        case .precision: config.precision = requested.precision
        case .syncBatchNorm: config.syncBatchNorm = requested.syncBatchNorm
        case .channelsLast: config.channelsLast = requested.channelsLast
        case .checkpointEvery: config.checkpointEvery = requested.checkpointEvery
        default: break
        }
    }
    if explicit.contains(.epochs) {
        guard requested.epochs >= checkpoint.epoch else {
            throw PretrainError.invalidResume(
                run: runDirectory.path,
                reason:
                    "epochs \(requested.epochs) is fewer than the \(checkpoint.epoch) already trained; to extend the run ask for more than \(checkpoint.epoch)"
            )
        }
        config.epochs = requested.epochs
    }
    guard checkpoint.epoch < config.epochs else {
        return .finished(
            config: config, completedEpochs: checkpoint.epoch, bestEpoch: checkpoint.bestEpoch,
            bestValidationLoss: checkpoint.bestValidationLoss)
    }
    return .resume(config: config, completedEpochs: checkpoint.epoch)
}

/// Mean validation losses over the whole split, weighting each batch by its size. In a group,
/// each member evaluates its shard of every batch and the sums are added over the group.
func validationLoss(
    _ trainer: Pretrainer, _ source: PretrainBatchSource, config: RunConfig,
    shard: DataShard = .whole
) throws -> PretrainLossValues {
    var n = 0.0
    var sums = (d: 0.0, f: 0.0, rec: 0.0, adv: 0.0, real: 0.0, fake: 0.0, accuracy: 0.0)
    var has = (d: false, rec: false, adv: false, accuracy: false)
    var conditional: ConditionalSignal?
    try source.forEachBatch(
        epoch: 0, batchSize: config.batchSize, seed: config.seed, shuffled: false, limit: nil,
        dropIncomplete: false, shard: shard
    ) { batch in
        let k = Double(batch.images.shape[0])
        guard k > 0 else { return }
        let v = try trainer.evaluate(batch)
        n += k
        sums.f += k * v.generator
        if let d = v.discriminator { sums.d += k * d; has.d = true }
        if let r = v.reconstruction { sums.rec += k * r; has.rec = true }
        if let a = v.adversarial { sums.adv += k * a; has.adv = true }
        if let r = v.discriminatorReal, let f = v.discriminatorFake { sums.real += k * r; sums.fake += k * f }
        if let c = v.conditional { conditional = conditional ?? ConditionalSignal(); conditional?.add(c) }
        if let a = v.labelAccuracy { sums.accuracy += k * a; has.accuracy = true }
    }
    if let group = trainer.group, group.worldSize > 1 {
        // Sums (and flags as 0/1, counts as exact small integers) added over the members' shards.
        func flag(_ b: Bool) -> Double { b ? 1 : 0 }
        let c = conditional ?? ConditionalSignal()
        let total = try group.sum([
            n, sums.d, sums.f, sums.rec, sums.adv, sums.real, sums.fake, sums.accuracy,
            flag(has.d), flag(has.rec), flag(has.adv), flag(has.accuracy), flag(conditional != nil),
            Double(c.count), Double(c.wins), c.marginSum
        ])
        n = total[0]
        sums = (total[1], total[2], total[3], total[4], total[5], total[6], total[7])
        has = (total[8] > 0, total[9] > 0, total[10] > 0, total[11] > 0)
        conditional = total[12] > 0 ? ConditionalSignal(count: Int(total[13]), wins: Int(total[14]), marginSum: total[15]) : nil
    }
    guard n > 0 else { throw PretrainError.emptyDataset(split: config.validationSplit.rawValue) }
    return PretrainLossValues(
        discriminator: has.d ? sums.d / n : nil, generator: sums.f / n,
        reconstruction: has.rec ? sums.rec / n : nil, adversarial: has.adv ? sums.adv / n : nil,
        discriminatorReal: has.d ? sums.real / n : nil, discriminatorFake: has.d ? sums.fake / n : nil,
        conditional: conditional, labelAccuracy: has.accuracy ? sums.accuracy / n : nil)
}

/// The in-painting grid's validation images: a fixed set, so grids compare across epochs, chosen
/// so that as many weak-label groups as possible have an image of their own (a grid of six
/// linear-probe abdomen images says nothing about the rest of the archive). Each caption starts
/// with the group it stands for. Reads at most `gridSearchImages` validation images.
func gridImages(_ source: PretrainBatchSource, count: Int, config: RunConfig) throws -> PretrainBatch? {
    guard count > 0, config.method.usesContextEncoder else { return nil }
    // Only images `gridSelection` can pick are kept (copied out of their batch, so the batch is
    // freed): each pick is among the first `count` images overall or of one of its groups.
    var kept: [Int: Tensor] = [:], labels: [[Float]] = [], captions: [String] = [], seenPerGroup: [Int: Int] = [:]
    try source.forEachBatch(
        epoch: 0, batchSize: max(count, 16), seed: config.seed, shuffled: false,
        limit: max(count, gridSearchImages), dropIncomplete: false
    ) { batch in
        let n = batch.images.shape[0], k = batch.labels.shape.count > 1 ? batch.labels.shape[1] : 0
        let values = try batch.labels.to(device: .cpu, dtype: .float32).toArray(of: Float.self)
        for i in 0..<n {
            let index = labels.count, row = Array(values[(i * k)..<((i + 1) * k)])
            var candidate = index < count
            for (group, value) in row.enumerated() where value > 0 {
                seenPerGroup[group, default: 0] += 1
                if seenPerGroup[group]! <= count { candidate = true }
            }
            if candidate { kept[index] = try batch.images.narrowed(dim: 0, start: i, length: 1).clone() }
            labels.append(row)
            captions.append(i < batch.captions.count ? batch.captions[i] : "image \(index + 1)")
        }
    }
    guard !labels.isEmpty else { return nil }
    let chosen = gridSelection(labels: labels, count: count)
    let names = source.labelGroupNames
    return PretrainBatch(
        images: try Tensor.cat(chosen.map { kept[$0.index]! }, dim: 0),
        labels: try Tensor(chosen.flatMap { labels[$0.index] }, shape: [chosen.count, labels[0].count]),
        captions: chosen.map { pick in
            let group = pick.group.map { $0 < names.count ? names[$0] : "label \($0)" } ?? "any"
            return "\(group): \(captions[pick.index])"
        })
}

/// The first `count` validation images (the gradient-share diagnostic's fixed batch).
func firstImages(_ source: PretrainBatchSource, count: Int, config: RunConfig) throws -> PretrainBatch? {
    guard count > 0, config.method.usesContextEncoder else { return nil }
    var first: PretrainBatch?
    try source.forEachBatch(epoch: 0, batchSize: count, seed: config.seed, shuffled: false, limit: count, dropIncomplete: false) { batch in
        if first == nil { first = batch }
    }
    return first
}

/// How far the grid looks for an image of each label group.
let gridSearchImages = 512

/// Up to `count` image indices: for each group in turn, the first image labelled with it that is
/// not chosen yet (groups without an image are passed over); then the first unchosen images.
/// `group` is the group an index was chosen for, nil for the filling ones.
func gridSelection(labels: [[Float]], count: Int) -> [(index: Int, group: Int?)] {
    var chosen: [(index: Int, group: Int?)] = []
    var taken = Set<Int>()
    let groups = labels.map(\.count).max() ?? 0
    for group in 0..<groups where chosen.count < count {
        if let i = labels.indices.first(where: { !taken.contains($0) && group < labels[$0].count && labels[$0][group] > 0 }) {
            chosen.append((i, group))
            taken.insert(i)
        }
    }
    for i in labels.indices where chosen.count < count && !taken.contains(i) {
        chosen.append((i, nil))
        taken.insert(i)
    }
    return chosen
}

private func describe(_ v: PretrainLossValues) -> String {
    var parts: [String] = []
    if let d = v.discriminator { parts.append("L_D \(format(d))") }
    parts.append("L_F \(format(v.generator))")
    if let share = v.conditional?.share { parts.append("cond \(format(share))") }
    if let accuracy = v.labelAccuracy { parts.append("label acc \(format(accuracy))") }
    if let r = v.reconstruction { parts.append("rec \(format(r))") }
    return parts.joined(separator: " ")
}

/// The epoch's view inside the method, for the progress line.
private func describeInside(_ r: PretrainRecord) -> String {
    var parts: [String] = []
    if let real = r.lossDReal, let fake = r.lossDFake { parts.append("L_D real \(format(real)) fake \(format(fake))") }
    if let share = r.conditionalShare, let margin = r.conditionalMargin { parts.append("cond \(format(share)) (margin \(format(margin)))") }
    if let share = r.adversarialGradientShare { parts.append("adv grad share \(format(share))") }
    if let accuracy = r.labelAccuracy { parts.append("label acc \(format(accuracy))") }
    return parts.isEmpty ? "" : "  " + parts.joined(separator: "  ")
}

private func format(_ v: Double) -> String { String(format: "%.5g", v) }

/// What a run folder records of its weak labels (`weak_labels.yaml`): which mapping made them
/// and the groups of the label vector, so a run can be traced to the `sonotag labels` output.
public struct RunLabels: Codable, Equatable, Sendable {
    public var mappingHash: String
    public var groupNames: [String]

    public init(mappingHash: String, groupNames: [String]) {
        self.mappingHash = mappingHash
        self.groupNames = groupNames
    }

    enum CodingKeys: String, CodingKey {
        case mappingHash = "mapping_hash"
        case groupNames = "groups"
    }

    public func yaml() throws -> String { try YAMLEncoder().encode(self) }

    public static func read(from url: URL) throws -> RunLabels {
        do { return try YAMLDecoder().decode(RunLabels.self, from: try String(contentsOf: url, encoding: .utf8)) } catch {
            throw PretrainError.io(path: url.path, reason: "not a weak-label record: \(error)")
        }
    }
}
