import Foundation
import SonoData
import Torch

/// A split of a cohort database as pretraining batches, read through SonoData's `BatchLoader`
/// (worker threads, bounded prefetch, the paper's flip and shift augmentation when `augment`).
///
/// The loader draws the order and every augmentation from (seed, epoch, position), so a resumed
/// run sees exactly the batches an uninterrupted one would.
public final class CohortBatchSource: PretrainBatchSource {
    public let dataset: CohortDataset
    public let augmentation: AugmentationSettings?
    public let threads: Int

    /// `threads` loader workers: see `TrainingThreads.loaderWorkers(device:)` for the default.
    public init(
        dataset: CohortDataset, augmentation: AugmentationSettings?,
        threads: Int = TrainingThreads.loaderWorkers(device: "cpu")
    ) {
        self.dataset = dataset
        self.augmentation = augmentation
        self.threads = threads
    }

    public var labelCount: Int { dataset.labelCount }
    public var labelMappingHash: String { dataset.labels?.mappingHash ?? "none" }
    public var labelGroupNames: [String] { dataset.groupNames }
    public var imageCount: Int { dataset.count }

    public func forEachBatch(
        epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
        _ body: (PretrainBatch) throws -> Void
    ) throws {
        try forEachBatch(
            epoch: epoch, batchSize: batchSize, seed: seed, shuffled: shuffled, limit: limit,
            dropIncomplete: dropIncomplete, shard: .whole, body)
    }

    /// Each process loads and augments only its shard of every batch.
    public func forEachBatch(
        epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
        shard: DataShard, _ body: (PretrainBatch) throws -> Void
    ) throws {
        let loader = BatchLoader(
            dataset: dataset, batchSize: batchSize, shuffle: shuffled, seed: seed,
            augment: shuffled ? augmentation : nil, dropLast: dropIncomplete, threads: threads)
        loader.shard = (shard.index, shard.count)
        let names = dataset.groupNames, k = dataset.labelCount
        var remaining = min(limit ?? Int.max, dataset.count)
        var batchIndex = 0
        // Tensors are made on the loader's worker threads, off the training thread.
        let batches = loader.epoch(epoch) { contents in
            (
                images: try Tensor(contents.images, shape: contents.imageShape),
                labels: try Tensor(contents.labels, shape: contents.labelShape)
            )
        }
        for result in batches {
            guard remaining > 0 else { break }  // releasing the iterator stops the workers
            var (images, labels) = try result.get()
            // Counted over the whole batch, so every shard stops at the same batch.
            let n = shard.count == 1 ? images.shape[0] : min(batchSize, dataset.count - batchIndex * batchSize)
            batchIndex += 1
            if n > remaining && shard.count > 1 { break }
            if n > remaining {
                if dropIncomplete && remaining < batchSize { break }
                images = try images.narrowed(dim: 0, start: 0, length: remaining)
                labels = try labels.narrowed(dim: 0, start: 0, length: remaining)
            }
            remaining -= n
            let y = try labels.toArray(of: Float.self)
            // Captions name label groups only, never identifiers.
            let captions = (0..<images.shape[0]).map { i -> String in
                let tags = (0..<k).filter { y[i * k + $0] > 0.5 }.map { names[$0] }
                return tags.isEmpty ? "unlabelled" : tags.joined(separator: ", ")
            }
            try body(PretrainBatch(images: images, labels: labels, captions: captions))
        }
    }
}

/// Opens the training and validation splits of a cohort database at the run's image size, with
/// the weak labels `sonotag labels` stored in it (the one source of labels: they are never
/// recomputed here), and the images of `kinds` only (nil: every kind); reports through `log`
/// which kinds were used and how many frames of other kinds were left out. A manifest without
/// stored labels is an error.
public func openCohort(
    db: String, config: RunConfig,
    kinds: [ImageKind]? = ImageKind.pretrainingDefault,
    log: (String) -> Void = { print($0) }
) throws -> (train: CohortBatchSource, validation: CohortBatchSource) {
    let settings = try PreprocessSettings(height: config.height, width: config.width)
    let trainSplit = config.trainSplit, valSplit = config.validationSplit
    let manifest = try ManifestDatabase(path: db)
    let labels = try manifest.weakLabels()
    let train = try CohortDataset(manifest: manifest, split: trainSplit, settings: settings, labels: labels, kinds: kinds)
    let validation = try CohortDataset(
        manifest: manifest, split: valSplit, settings: settings, labels: labels, kinds: kinds,
        datasetStatistics: train.statistics)
    log(train.kindSummary)
    log(validation.kindSummary)
    let workers = TrainingThreads.loaderWorkers(device: config.device)
    return (
        CohortBatchSource(dataset: train, augmentation: .paper, threads: workers),
        CohortBatchSource(dataset: validation, augmentation: nil, threads: workers)
    )
}

/// Labels the manifest at `db` with `mapping` exactly as `sonotag labels` does (replacing what
/// was stored), for the training commands' `--labels FILE`.
@discardableResult
public func relabel(db: String, with mapping: LabelMapping) throws -> LabelReport {
    return try ManifestDatabase(path: db).applyLabels(mapping)
}
