import Foundation
import SeededRandom
import SonoData
import Torch
import TorchNN

/// The network, optimizer and loss scaling of one fine-tuning run, and its update step.
///
/// With a data-parallel `group`, every process holds a replica and trains on its shard of each
/// (global) batch; the gradients are averaged over the group so that each step is the whole
/// batch's. `FinetuneRun.train` drives it, as `PretrainRun` drives `Pretrainer`.
final class Finetuner {
    let setup: FinetuneSetup
    /// The run's settings, with the classification mode that the setup fitted or restored.
    let config: FinetuneConfig
    let optimizer: Adam
    /// Loss scaling of every step (active for fp16 only).
    let scaler: GradientScaler
    let precision: Precision
    /// Binary cross-entropy's weight per output, from the training targets (ordinal and
    /// multi-label classification; nil otherwise).
    let positiveWeight: Tensor?
    /// The data-parallel group this replica belongs to (nil: one process).
    let group: ProcessGroup?
    /// All-reduces the trainable gradients during backward (data parallel only).
    let reducer: GradientReducer?
    /// This process's rows of every batch.
    let shard: DataShard

    var network: FinetuneNetwork { setup.network }

    /// Prepares the training of `setup`'s network; `trainingTargets` are the training images'
    /// label rows (empty for segmentation).
    init(setup: FinetuneSetup, trainingTargets: [[Float]], group: ProcessGroup? = nil) throws {
        self.setup = setup
        var config = setup.config
        // Recorded in the run's configuration too, so that the run says which task it trained.
        if let encoding = setup.encoding { config.classificationMode = encoding.mode }
        self.config = config
        self.group = group
        shard = DataShard(index: group?.rank ?? 0, count: group?.worldSize ?? 1)
        precision = config.precision ?? .fp32
        if let encoding = setup.encoding, encoding.mode != .multiclass {
            positiveWeight = try Tensor(LabelEncoding.positiveWeights(trainingTargets)).to(device: setup.device)
        } else {
            positiveWeight = nil
        }
        let network = setup.network
        // Before Adam is made, so that its state takes the layout too.
        if config.channelsLast ?? true { try network.module.convertToChannelsLast() }
        let trainable = network.trainableParameters(freezeEncoder: config.freezeEncoder)
        if config.freezeEncoder {
            for (name, tensor) in network.module.namedParameters() where name.hasPrefix("encoder.") {
                _ = try tensor.setRequiresGrad(false)
            }
        }
        optimizer = try Adam(parameters: trainable, learningRate: config.learningRate, betas: (config.beta1, config.beta2))
        reducer = try group.flatMap { $0.worldSize > 1 ? try GradientReducer(group: $0, parameters: trainable.map(\.tensor)) : nil }
        // Restored with the run: a resumed fp16 run goes on with the scale it had reached.
        scaler = GradientScaler(enabled: precision == .fp16)
    }

    /// The group, when there is more than this process to train with.
    private var replicas: ProcessGroup? { shard.count > 1 ? group : nil }

    /// Gives every replica rank 0's weights and, with `syncBatchNorm`, batch-norm statistics
    /// over the whole group's batch.
    func synchronizeReplicas() throws {
        guard let replicas else { return }
        try replicas.broadcastState(of: network.module)
        if config.syncBatchNorm == true { network.module.synchronizeBatchNorm(over: replicas) }
    }

    /// Puts the network in training mode for an epoch.
    func enterTrainingMode() {
        network.module.train(true)
        // A frozen encoder also keeps its batch-norm statistics: weights and buffers stay bit-identical.
        if config.freezeEncoder { network.encoder.train(false) }
    }

    /// One optimizer step on this process's shard of `batch` (the whole batch, as every process
    /// builds it). Returns the whole batch's mean loss, or nil without a step when a shard would
    /// hold fewer than two images. Throws `FinetuneError.diverged` (naming `epoch`) before
    /// applying a non-finite loss, unless fp16's scaler is there to skip the step.
    func trainStep(_ batch: FinetuneBatch, epoch: Int = 0) throws -> Double? {
        let total = batch.count
        let rows = shard.positions(in: total)
        var shardBatch = batch
        if shard.count > 1 {
            // Batch norm in training mode needs two images per process.
            guard total / shard.count >= 2 else { return nil }
            shardBatch = FinetuneBatch(
                images: try batch.images.narrowed(dim: 0, start: rows.lowerBound, length: rows.count),
                targets: try batch.targets.narrowed(dim: 0, start: rows.lowerBound, length: rows.count),
                count: rows.count)
        }
        try optimizer.zeroGrad()
        let logits = try forward(shardBatch.images)
        var loss = try setup.loss(logits, shardBatch.targets, positiveWeight: positiveWeight)
        var value = try loss.item()
        if let replicas {
            // Shards may differ in size: weighted so that averaging over the group gives the whole batch's mean.
            value = try replicas.sum([value * Double(rows.count)])[0] / Double(total)
            loss = try loss * (Double(rows.count * shard.count) / Double(total))
        }
        // fp16 overflows are the scaler's to handle: it skips the step and lowers the scale.
        guard value.isFinite || precision == .fp16 else { throw FinetuneError.diverged(epoch: epoch, loss: value) }
        let scaled = try scaler.scaled(loss)
        if let reducer { try reducer.reduce { try scaled.backward() } } else { try scaled.backward() }
        try scaler.step(optimizer)
        return value
    }

    /// Mean validation loss and score (Dice or accuracy) over `batcher`'s images, in evaluation
    /// mode without gradients.
    func validate(_ batcher: FinetuneBatcher, batchSize: Int) throws -> (loss: Double, metric: Double) {
        try network.module.withEvaluationMode {
            try withNoGrad {
                var generator = SeededGenerator(seed: 0)
                var lossSum = 0.0, scoreSum = 0.0, seen = 0
                for indices in batcher.epochOrder(batchSize: batchSize, seed: 0, epoch: 0, shuffle: false) {
                    let batch = try batcher.batch(indices, augment: false, generator: &generator)
                    let logits = try network(batch.images)
                    lossSum += try setup.loss(logits, batch.targets, positiveWeight: positiveWeight).item() * Double(batch.count)
                    scoreSum += try setup.scores(logits, batch.targets).reduce(0, +)
                    seen += batch.count
                }
                return (lossSum / Double(max(1, seen)), scoreSum / Double(max(1, seen)))
            }
        }
    }

    /// Writes the weights and the run's progress to `url`; a `resumable` checkpoint also holds
    /// what continuing needs (Adam's state and the loss scale), which the best one leaves out.
    func saveCheckpoint(
        to url: URL, epoch: Int, best: (epoch: Int, loss: Double, metric: Double),
        progress: FinetuneCheckpoint.EpochProgress = .init(), resumable: Bool = true, durable: Bool = true
    ) throws {
        try FinetuneCheckpoint.save(
            network: network, optimizer: resumable ? optimizer : nil, config: config, epoch: epoch, best: best,
            progress: progress, scaler: resumable ? scaler : nil, to: url, durable: durable)
    }

    /// Loads a resumable checkpoint's weights, Adam state and loss scale; returns its progress.
    func restore(from url: URL) throws -> FinetuneCheckpoint.State {
        try FinetuneCheckpoint.restore(url, network: network, optimizer: optimizer, scaler: scaler)
    }

    /// A forward pass in the run's precision; the logits are float32, so losses are always float32.
    private func forward(_ images: Tensor) throws -> Tensor {
        guard precision != .fp32 else { return try network(images) }
        return try precision.run(on: setup.device) { try network(images) }.to(dtype: .float32)
    }
}
