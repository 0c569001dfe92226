import Foundation
import SonoData
import Torch

/// A split of a cohort database (SonoData's preprocessed cache) as pretraining batches.
///
/// The data order is a seeded shuffle keyed by (seed, epoch), so a resumed run sees the same
/// batches. Images come z-scored from the cache; augmentation (flip, shift) is not applied here
/// yet — it belongs to SonoData's loader.
public final class CohortBatchSource: PretrainBatchSource {
    public let dataset: CohortDataset

    public init(dataset: CohortDataset) {
        self.dataset = dataset
    }

    public var labelCount: Int { dataset.labelCount }
    public var labelMappingHash: String { dataset.labelMapping.hash }
    public var imageCount: Int { dataset.count }

    public func forEachBatch(epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
                             _ body: (PretrainBatch) throws -> Void) throws {
        var order = Array(0..<dataset.count)
        if shuffled {
            var rng = SplitMix64.stream(seed: seed, epoch: epoch)
            order.shuffle(using: &rng)
        }
        order = Array(order.prefix(limit ?? order.count))
        let h = dataset.height, w = dataset.width, k = dataset.labelCount, names = dataset.groupNames
        var start = 0
        while start < order.count {
            let members = Array(order[start..<min(start + batchSize, order.count)])
            start += batchSize
            if dropIncomplete && members.count < batchSize { break }
            var pixels = [Float](repeating: 0, count: members.count * h * w)
            pixels.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                for (i, index) in members.enumerated() { dataset.normalisedImage(at: index, into: base + i * h * w) }
            }
            var labels = [Float](repeating: 0, count: members.count * k)
            var captions: [String] = []
            for (i, index) in members.enumerated() {
                let y = dataset.samples[index].labels
                for j in 0..<min(k, y.count) { labels[i * k + j] = y[j] }
                // Tags only (group names), never identifiers.
                let tags = (0..<min(k, y.count)).filter { y[$0] > 0.5 }.map { names[$0] }
                captions.append(tags.isEmpty ? "unlabelled" : tags.joined(separator: ", "))
            }
            try body(PretrainBatch(images: Tensor(pixels, shape: [members.count, 1, h, w]),
                                   labels: Tensor(labels, shape: [members.count, k]), captions: captions))
        }
    }
}

/// Opens the training and validation splits of a cohort database at the run's image size.
public func openCohort(db: String, labels labelsPath: String?, config: RunConfig) throws -> (train: CohortBatchSource, validation: CohortBatchSource) {
    guard FileManager.default.fileExists(atPath: db) else {
        throw PretrainError.io(path: db, reason: "no such cohort database; create it with `sonotag index DIR --db \(db)`")
    }
    let mapping = try labelsPath.map { try LabelMapping.load(contentsOf: URL(fileURLWithPath: $0)) } ?? .paperDefault()
    let settings = try PreprocessSettings(height: config.height, width: config.width)
    guard let trainSplit = SplitName(rawValue: config.trainSplit), let valSplit = SplitName(rawValue: config.validationSplit) else {
        throw PretrainError.io(path: db, reason: "unknown split name '\(config.trainSplit)' or '\(config.validationSplit)' (use train, val or test)")
    }
    let manifest = try ManifestDatabase(path: db)
    let train = try CohortDataset(manifest: manifest, split: trainSplit, settings: settings, labels: mapping)
    let validation = try CohortDataset(manifest: manifest, split: valSplit, settings: settings, labels: mapping,
                                       datasetStatistics: train.statistics)
    return (CohortBatchSource(dataset: train), CohortBatchSource(dataset: validation))
}
