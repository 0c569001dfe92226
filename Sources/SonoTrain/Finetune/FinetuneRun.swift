import Foundation
import SeededRandom
import SonoData
import SonoEval
import SonoModels
import SonoSupport
import Torch
import TorchNN

/// What a fine-tuning run did; also printed by `sonotag finetune`.
public struct FinetuneSummary: Sendable, Codable, CustomStringConvertible {
    public var runDirectory: String
    public var epochsCompleted: Int
    public var bestEpoch: Int
    public var bestValidationLoss: Double
    /// Validation Dice (segmentation) or accuracy (classification) at the best epoch.
    public var bestValidationMetric: Double
    public var firstTrainLoss: Double?
    public var lastTrainLoss: Double?
    public var trainImages: Int
    public var validationImages: Int

    public var description: String {
        String(
            format:
                "best epoch %d of %d: validation loss %.4f, validation score (Dice or accuracy) %.4f; %d train / %d validation images; %@",
            bestEpoch, epochsCompleted, bestValidationLoss, bestValidationMetric, trainImages, validationImages,
            runDirectory + "/checkpoints/best.safetensors")
    }
}

/// File layout of a fine-tuning run (the same shape as a pretraining run's).
public struct FinetuneRunLayout: Sendable {
    public let root: URL
    public init(_ root: URL) { self.root = root }
    public var config: URL { root.appendingPathComponent(FinetuneConfig.fileName) }
    public var metrics: URL { root.appendingPathComponent("metrics.csv") }
    public var labels: URL { root.appendingPathComponent("labels.json") }
    public var checkpoints: URL { root.appendingPathComponent("checkpoints") }
    public var lastCheckpoint: URL { checkpoints.appendingPathComponent("last.safetensors") }
    public var bestCheckpoint: URL { checkpoints.appendingPathComponent("best.safetensors") }
    public var summary: URL { root.appendingPathComponent("summary.json") }
}

/// Everything prepared from a configuration: data, targets, network, loss.
struct FinetuneSetup {
    let config: FinetuneConfig
    let dataset: DownstreamDataset
    let encoding: LabelEncoding?
    let network: FinetuneNetwork
    let device: Device

    /// Discovers the data and builds the network (random weights) for `config`.
    init(config: FinetuneConfig, encodingOverride: LabelEncoding? = nil) throws {
        self.config = config
        // The split never depends on the training seed: repeated runs (low-data repeats, other
        // seeds) must all be evaluated on the same test images.
        let options = DownstreamLayoutOptions(task: config.task, labelColumn: config.labelColumn, maskClasses: config.maskClasses)
        dataset = try DownstreamDataset.discover(at: URL(fileURLWithPath: config.data), options: options)
        if config.task == .classification {
            let values = dataset.samples.map { $0.labelledValue ?? LabelledValue(image: $0.id, label: "") }
            let fitted = try encodingOverride ?? LabelEncoding.fit(values, mode: config.classificationMode)
            // Every label of every split must fit the mode and classes (fitted here, or recorded
            // by the run being resumed or evaluated): checked now, naming file and row.
            for value in values { _ = try fitted.target(for: value) }
            encoding = fitted
        } else {
            encoding = nil
        }
        let outputs = config.task == .segmentation ? dataset.maskChannels.count : (encoding?.outputs ?? 1)
        device = try Device(parsing: config.device)
        network = try FinetuneNetwork.make(config: config, outputs: outputs)
        try network.module.move(to: device)
    }

    func targets(_ arrays: DownstreamArrays) throws -> [[Float]] {
        guard let encoding else { return [] }
        return try zip(arrays.ids, arrays.labels).map { try encoding.target(for: $1, image: $0) }
    }

    func batcher(_ arrays: DownstreamArrays) throws -> FinetuneBatcher {
        FinetuneBatcher(
            arrays: arrays, labelTargets: try targets(arrays), task: config.task, device: device,
            classIndexTargets: encoding?.mode == .multiclass)
    }

    /// Soft Dice for segmentation; weighted BCE for ordinal and multi-label; cross-entropy for multi-class.
    func loss(_ logits: Tensor, _ targets: Tensor, positiveWeight: Tensor?) throws -> Tensor {
        switch config.task {
        case .segmentation:
            return try softDiceLoss(logits: logits, target: targets)
        case .classification:
            if encoding?.mode == .multiclass { return try logits.crossEntropy(target: targets) }
            return try logits.binaryCrossEntropyWithLogits(target: targets, positiveWeight: positiveWeight)
        }
    }

    /// Per-image score for logs and model selection reports: Dice at ½ or correctness.
    func scores(_ logits: Tensor, _ targets: Tensor) throws -> [Double] {
        let n = logits.shape[0]
        switch config.task {
        case .segmentation:
            let predicted = try logits.gt(0).to(dtype: .float32)
            let intersection: [Float] = try (predicted * targets).sum(dims: [1, 2, 3]).toArray()
            let total: [Float] = try (predicted.sum(dims: [1, 2, 3]) + targets.sum(dims: [1, 2, 3])).toArray()
            return (0..<n).map { total[$0] > 0 ? Double(2 * intersection[$0] / total[$0]) : 1 }
        case .classification:
            guard let encoding else { return [] }
            if encoding.mode == .multiclass {
                let predicted: [Int64] = try logits.argmax(dim: 1).toArray()
                let truth: [Int64] = try targets.toArray()
                return zip(predicted, truth).map { $0 == $1 ? 1 : 0 }
            }
            let k = logits.shape[1]
            let p: [Float] = try logits.sigmoid().contiguous().toArray()
            let t: [Float] = try targets.contiguous().toArray()
            return (0..<n).map { i in
                let row = Array(p[(i * k)..<((i + 1) * k)]), truth = Array(t[(i * k)..<((i + 1) * k)])
                if encoding.mode == .multilabel { return row.map { $0 > 0.5 ? 1 : 0 } == truth ? 1 : 0 }
                return encoding.classIndex(ofTarget: row) == encoding.classIndex(ofTarget: truth) ? 1 : 0
            }
        }
    }
}

public enum FinetuneRun {
    static let checkpointFormat = "sonotag.finetune.v1"

    /// Trains `config` into `out`: best epoch by validation loss in `checkpoints/best.safetensors`,
    /// the last epoch (weights + Adam state) in `checkpoints/last.safetensors`, one row per epoch in
    /// `metrics.csv`. With `resume`, continues from the last checkpoint; the data order and
    /// augmentation of each epoch depend only on (seed, epoch), so the run continues as if uninterrupted.
    ///
    /// `progress` shows the steps (a bar on a terminal, plain lines otherwise); silent by default.
    ///
    /// With a data-parallel `group`, every member calls this alike: each builds every (global)
    /// batch, trains on its shard of it with gradients averaged over the group (weighted so the
    /// step is the whole batch's), and rank 0 alone writes `out`.
    @discardableResult
    public static func train(
        config typed: FinetuneConfig, out: URL, resume: Bool,
        log: @escaping (String) -> Void = { _ in }, progress: ProgressReporter = ProgressReporter(style: .silent),
        group: ProcessGroup? = nil
    ) throws -> FinetuneSummary {
        let world = group?.worldSize ?? 1
        let layout = FinetuneRunLayout(out)
        let holdsRun = FileManager.default.fileExists(atPath: layout.lastCheckpoint.path)
        guard resume || !holdsRun else {
            throw FinetuneError.mismatchedRun(
                out.path, reason: "already holds a run (checkpoints/last.safetensors); pass --resume or choose another --out")
        }
        let resuming = resume && holdsRun
        // Paths as typed are relative to where the command ran; the run must work from anywhere.
        let resolved = try resolvedConfig(typed.resolvingPaths(), savedIn: resuming ? out : nil)
        try resolved.validate()
        guard resolved.batchSize % world == 0, resolved.batchSize / world >= 2 else {
            throw FinetuneError.invalidSetting(
                field: FinetuneConfig.Key.batchSize.rawValue,
                reason: "the global batch \(resolved.batchSize) must split into \(world) equal shards of at least 2 (one per process)")
        }
        try TrainingThreads.configure(requested: resolved.threads)
        try TorchRuntime.manualSeed(resolved.seed)

        // A resumed classification run keeps the mode and classes it recorded; it never refits.
        let savedEncoding = resume && resolved.task == .classification ? try recordedEncoding(layout) : nil
        let setup = try FinetuneSetup(config: resolved, encodingOverride: savedEncoding)
        if let encoding = setup.encoding {
            let how = savedEncoding != nil ? "as recorded" : resolved.classificationMode == nil ? "inferred from the labels" : "given"
            log(
                "classification: \(encoding.mode.rawValue) (\(how)), \(encoding.classes.count) classes: \(encoding.classes.joined(separator: ", "))"
            )
        }
        let (trainBatcher, validationBatcher) = try batchers(for: setup, log: log)
        let finetuner = try Finetuner(setup: setup, trainingTargets: trainBatcher.labelTargets, group: group)
        let config = finetuner.config
        var completedEpochs = 0
        var best = (epoch: 0, loss: Double.infinity, metric: Double.nan)
        var resumedEpoch = FinetuneCheckpoint.EpochProgress()
        if resuming {
            let state = try finetuner.restore(from: layout.lastCheckpoint)
            completedEpochs = state.epoch
            best = (state.bestEpoch, state.bestLoss, state.bestMetric)
            resumedEpoch = state.progress
            let position =
                resumedEpoch.steps > 0 ? "\(resumedEpoch.steps) steps into epoch \(state.epoch + 1)" : "after epoch \(state.epoch)"
            log("resuming \(position) (best so far: epoch \(state.bestEpoch), validation loss \(String(format: "%.4f", state.bestLoss)))")
        } else {
            log(try EncoderWeights.load(config.encoder, into: finetuner.network.encoder))
        }
        let writes = finetuner.shard.index == 0
        if writes && !resuming {
            try FileManager.default.createDirectory(at: layout.checkpoints, withIntermediateDirectories: true)
            try config.write(to: out)
            if let encoding = setup.encoding {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try AtomicFile.write(try encoder.encode(encoding), to: layout.labels)
            }
        }
        try finetuner.precision.validate(on: setup.device)
        try finetuner.synchronizeReplicas()
        let metricsLog = writes ? try FinetuneMetricsLog(url: layout.metrics, keepingEpochsThrough: completedEpochs) : nil

        var firstTrainLoss: Double?
        var lastTrainLoss: Double?
        let policy = StepCheckpointPolicy(every: config.checkpointEvery, group: group)
        func stop(epoch: Int, step: Int) throws -> TrainingInterrupted {
            // Nobody exits before rank 0's checkpoint is on disk.
            if let group, world > 1 { try group.barrier() }
            return TrainingInterrupted(runDirectory: out, checkpoint: layout.lastCheckpoint, epoch: epoch, stepsIntoEpoch: step)
        }
        // A stride, not a range: a resumed run may already be past a shortened `epochs`.
        for epoch in stride(from: completedEpochs + 1, through: config.epochs, by: 1) {
            let started = Date()
            finetuner.enterTrainingMode()
            var generator = SeededGenerator(seed: config.seed, stream: 7, index: UInt64(epoch))
            // A mid-epoch checkpoint's steps are drawn again (order and augmentation run on as
            // before) but not trained, and its running sums carry on.
            let skipped = epoch == completedEpochs + 1 ? resumedEpoch : FinetuneCheckpoint.EpochProgress()
            var lossSum = skipped.lossSum, seen = skipped.seen
            let steps = trainBatcher.epochOrder(batchSize: config.batchSize, seed: config.seed, epoch: epoch, shuffle: true)
            for (offset, indices) in steps.enumerated() {
                let step = offset + 1
                // Every process draws the whole batch's augmentation, so the generator stays in step.
                let batch = try trainBatcher.batch(indices, augment: config.augment, generator: &generator)
                guard step > skipped.steps else { continue }
                // Dropout draws from libtorch's generator: seeded per step, a resumed step draws
                // what the uninterrupted one did.
                try TorchRuntime.manualSeed(SplitMix64.stream(seed: config.seed, epoch: epoch, stream: UInt64(step) &+ 2).state)
                let stepStarted = Date()
                guard let value = try finetuner.trainStep(batch, epoch: epoch) else { continue }
                lossSum += value * Double(batch.count)
                seen += batch.count
                progress.step(
                    epoch: epoch, epochs: config.epochs, step: step, stepsPerEpoch: steps.count,
                    losses: String(format: "loss %.4f", value),
                    imagesPerSecond: Double(batch.count) / max(1e-9, Date().timeIntervalSince(stepStarted)))
                let next = try policy.decision(globalStep: (epoch - 1) * steps.count + step, step: step, stepsPerEpoch: steps.count)
                if next.save, writes {
                    try finetuner.saveCheckpoint(
                        to: layout.lastCheckpoint, epoch: epoch - 1, best: best,
                        progress: .init(steps: step, lossSum: lossSum, seen: seen))
                }
                if next.stop { throw try stop(epoch: epoch, step: step) }
            }
            let trainLoss = seen > 0 ? lossSum / Double(seen) : .nan
            if firstTrainLoss == nil { firstTrainLoss = trainLoss }
            lastTrainLoss = trainLoss

            let validation = try finetuner.validate(validationBatcher, batchSize: config.batchSize)
            guard validation.loss.isFinite else { throw FinetuneError.diverged(epoch: epoch, loss: validation.loss) }
            let improved = validation.loss < best.loss
            if improved { best = (epoch, validation.loss, validation.metric) }
            if writes {
                // Flushed to disk once, after the last epoch (below); until then a killed process
                // still leaves both files whole (AtomicFile.write).
                let durable = epoch == config.epochs
                if improved {
                    try finetuner.saveCheckpoint(to: layout.bestCheckpoint, epoch: epoch, best: best, resumable: false, durable: durable)
                }
                try finetuner.saveCheckpoint(to: layout.lastCheckpoint, epoch: epoch, best: best, durable: durable)
                if durable { try AtomicFile.synchronize(layout.bestCheckpoint) }
            }
            let seconds = Date().timeIntervalSince(started)
            metricsLog?.append(
                epoch: epoch, trainLoss: trainLoss, validationLoss: validation.loss,
                validationMetric: validation.metric, seconds: seconds, best: improved)
            log(
                String(
                    format: "epoch %d/%d  train loss %.4f  val loss %.4f  val %@ %.4f  %.1fs%@", epoch, config.epochs, trainLoss,
                    validation.loss, config.task == .segmentation ? "dice" : "accuracy", validation.metric, seconds,
                    improved ? "  *best" : ""))
            if epoch < config.epochs, try TrainingInterruption.isRequested(agreedOver: group) { throw try stop(epoch: epoch, step: 0) }
        }
        let summary = FinetuneSummary(
            runDirectory: out.path, epochsCompleted: config.epochs, bestEpoch: best.epoch,
            bestValidationLoss: best.loss, bestValidationMetric: best.metric,
            firstTrainLoss: firstTrainLoss, lastTrainLoss: lastTrainLoss,
            trainImages: trainBatcher.arrays.count, validationImages: validationBatcher.arrays.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if writes { try AtomicFile.write(try encoder.encode(summary), to: layout.summary) }
        // Nobody reports success before rank 0's files are on disk.
        if let group, world > 1 { try group.barrier() }
        return summary
    }

    /// The settings a run trains with: `requested`, or those saved in `run` when it is resumed.
    private static func resolvedConfig(_ requested: FinetuneConfig, savedIn run: URL?) throws -> FinetuneConfig {
        guard let run else { return requested }
        var config = try FinetuneConfig.read(from: run)
        guard config.sameNetworkAndData(as: requested) else {
            throw FinetuneError.mismatchedRun(
                run.path, reason: "task, data, backbone, encoder, size, seed or labels differ from the saved \(FinetuneConfig.fileName)")
        }
        // Only the length of the run and its arithmetic (precision, shared batch statistics, storage order;
        // weights stay float32) may change on resume.
        config.epochs = requested.epochs
        config.precision = requested.precision
        config.syncBatchNorm = requested.syncBatchNorm
        config.channelsLast = requested.channelsLast
        config.checkpointEvery = requested.checkpointEvery
        return config
    }

    /// The label encoding a classification run recorded in `labels.json`.
    private static func recordedEncoding(_ layout: FinetuneRunLayout) throws -> LabelEncoding {
        guard let data = try? Data(contentsOf: layout.labels), let saved = try? JSONDecoder().decode(LabelEncoding.self, from: data) else {
            throw FinetuneError.badRunFile(
                layout.labels.path, reason: "missing or unreadable label encoding; the run cannot be resumed as recorded")
        }
        return saved
    }

    /// The images of `setup`'s data a run trains and validates on, loaded and ready to batch.
    private static func batchers(for setup: FinetuneSetup, log: (String) -> Void) throws
        -> (train: FinetuneBatcher, validation: FinetuneBatcher)
    {
        let config = setup.config
        let trainShare = setup.dataset.samples(in: .train)
        guard !trainShare.isEmpty else { throw DownstreamDataError.emptySplit(.train, dataset: config.data) }
        let (trainSamples, validationSamples) = selectSamples(
            train: trainShare, validation: setup.dataset.samples(in: .val), config: config)
        guard !validationSamples.isEmpty else { throw DownstreamDataError.emptySplit(.val, dataset: config.data) }
        log(
            "data: \(trainSamples.count) train, \(validationSamples.count) validation images from \(config.data) at \(config.height)×\(config.width)"
        )
        let trainArrays = try setup.dataset.load(trainSamples, height: config.height, width: config.width, task: config.task)
        let validationArrays = try setup.dataset.load(validationSamples, height: config.height, width: config.width, task: config.task)
        return (try setup.batcher(trainArrays), try setup.batcher(validationArrays))
    }

    /// What can be checked in seconds, before the run folder is written or an image loaded:
    /// the device and precision, the data (its folder, labels.csv and masks are found, the
    /// training split is not empty) and, for a new run, the encoder's file. Before these
    /// checks, a wrong `--encoder` or `--precision` surfaced only after every image was loaded.
    public static func checkBeforeWork(config: FinetuneConfig, out: URL, resume: Bool) throws {
        let device: Device
        do { device = try Device(parsing: config.device) } catch let error as TorchError {
            throw FinetuneError.invalidSetting(field: FinetuneConfig.Key.device.rawValue, reason: "\(config.device): \(error.message)")
        }
        if let precision = config.precision {
            do { try precision.validate(on: device) } catch let error as TorchError {
                throw FinetuneError.invalidSetting(
                    field: FinetuneConfig.Key.precision.rawValue, reason: "\(precision.rawValue): \(error.message)")
            }
        }
        let options = DownstreamLayoutOptions(task: config.task, labelColumn: config.labelColumn, maskClasses: config.maskClasses)
        let dataset = try DownstreamDataset.discover(at: URL(fileURLWithPath: config.data), options: options)
        guard !dataset.samples(in: .train).isEmpty else { throw DownstreamDataError.emptySplit(.train, dataset: config.data) }
        // A resumed run takes its weights from its checkpoint: the encoder's file may be gone.
        let resuming = resume && FileManager.default.fileExists(atPath: FinetuneRunLayout(out).lastCheckpoint.path)
        switch config.encoder {
        case .random: break
        case .imagenet(let path), .pretrained(let path):
            guard !resuming else { break }
            do { _ = try EncoderWeights.resolve(path) } catch let error as EncoderWeights.LoadError {
                throw FinetuneError.unusableFile(
                    field: FinetuneConfig.Key.encoder.rawValue, value: "\(config.encoder)", reason: error.reason)
            }
        }
    }
}

extension FinetuneConfig {
    /// The data and encoder paths made absolute (against the current directory), so that the
    /// saved configuration means the same files whatever directory the run is used from.
    public func resolvingPaths() -> FinetuneConfig {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        var resolved = self
        if !data.isEmpty { resolved.data = absolute(data) }
        switch encoder {
        case .random: break
        case .pretrained(let path): resolved.encoder = .pretrained(absolute(path))
        case .imagenet(let path): resolved.encoder = .imagenet(absolute(path))
        }
        return resolved
    }

    /// Settings that must not change when a run is resumed.
    func sameNetworkAndData(as other: FinetuneConfig) -> Bool {
        task == other.task && data == other.data && backbone == other.backbone && encoder == other.encoder
            && freezeEncoder == other.freezeEncoder && height == other.height && width == other.width && seed == other.seed
            && (other.classificationMode == nil || classificationMode == other.classificationMode) && maskClasses == other.maskClasses
            && trainFraction == other.trainFraction && maxImages == other.maxImages && decoderBaseWidth == other.decoderBaseWidth
    }

    /// Range checks whose messages name the setting (its YAML key; the CLI names the option).
    public func validate() throws {
        guard height >= 32, width >= 32 else {
            throw FinetuneError.invalidSetting(
                field: "size", reason: "\(height)x\(width): both must be at least 32 (encoder output stride)")
        }
        guard epochs >= 1 else { throw FinetuneError.invalidSetting(field: "epochs", reason: "must be at least 1") }
        guard batchSize >= 2 else { throw FinetuneError.invalidSetting(field: "batch_size", reason: "must be at least 2 (batch norm)") }
        guard learningRate > 0, learningRate.isFinite else { throw FinetuneError.invalidSetting(field: "lr", reason: "must be positive") }
        guard trainFraction > 0, trainFraction <= 1 else {
            throw FinetuneError.invalidSetting(field: "train_fraction", reason: "must be in (0, 1]")
        }
        guard (0..<1).contains(dropout) else { throw FinetuneError.invalidSetting(field: "dropout", reason: "must be in [0, 1)") }
        if let maxImages, maxImages < 2 { throw FinetuneError.invalidSetting(field: "max_images", reason: "must be at least 2") }
        if let threads, threads < 1 { throw FinetuneError.invalidSetting(field: Key.threads.rawValue, reason: "must be at least 1") }
        if let checkpointEvery, checkpointEvery < 1 {
            throw FinetuneError.invalidSetting(field: Key.checkpointEvery.rawValue, reason: "must be at least 1 step")
        }
        guard decoderBaseWidth >= 1 else { throw FinetuneError.invalidSetting(field: "decoder_width", reason: "must be positive") }
    }
}

extension FinetuneRun {
    /// The images a run trains and validates on: a seeded share for low-data runs, then a seeded
    /// cap for quick runs (`max_images`, a quarter of it for validation).
    static func selectSamples(train: [DownstreamSample], validation: [DownstreamSample], config: FinetuneConfig)
        -> (train: [DownstreamSample], validation: [DownstreamSample])
    {
        var trainSamples = train
        var validationSamples = validation
        if config.trainFraction < 1 {
            var generator = SeededGenerator(seed: config.seed ^ 0x10_DA7A)
            let keep = max(2, Int((Double(trainSamples.count) * config.trainFraction).rounded()))
            trainSamples = trainSamples.seededSubset(count: keep, using: &generator)
        }
        if let cap = config.maxImages {
            // Seeded draws, not the table's first rows: tables are often sorted by class. The
            // validation draw ignores the seed, so every seed and configuration picks the best
            // epoch on the same images.
            var trainGenerator = SeededGenerator(seed: config.seed ^ 0xCA9_7EA1)
            var validationGenerator = SeededGenerator(seed: 0xCA9_5A1)
            trainSamples = trainSamples.seededSubset(count: cap, using: &trainGenerator)
            validationSamples = validationSamples.seededSubset(count: max(2, cap / 4), using: &validationGenerator)
        }
        return (trainSamples, validationSamples)
    }
}
