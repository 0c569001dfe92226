import Foundation
import SeededRandom
import SonoParallel

/// Shuffled batches of a `CohortDataset`, assembled by worker threads with bounded prefetch.
///
/// Deterministic for a seed: the epoch's order and every sample's augmentation are drawn from
/// generators keyed by (seed, epoch, position), and batches are handed out in order, so thread
/// timing never changes the result.
///
/// ```swift
/// let loader = BatchLoader(dataset: train, batchSize: 32, shuffle: true, seed: 7, augment: .paper)
/// for epoch in 0..<200 {
///     for batch in loader.epoch(epoch) { let batch = try batch.get(); … }   // BatchContents
/// }
/// // Tensors (or any other type) built on the worker threads:
/// let tensors = loader.epoch(0) { try Tensor($0.images, shape: $0.imageShape) }
/// ```
public final class BatchLoader: @unchecked Sendable {
    public let dataset: CohortDataset
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    public let augmentation: AugmentationSettings?
    public let dropLast: Bool
    public let threads: Int
    /// Batches built ahead of the consumer, at most.
    public let prefetch: Int
    /// Which part of every batch this process builds (data-parallel training): shard `index` of
    /// `count` takes its contiguous share of each batch's positions, augmented exactly as the
    /// whole batch would be, so the shards of all processes together are the one-process batch.
    public var shard: (index: Int, count: Int) = (0, 1)

    public init(
        dataset: CohortDataset, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0,
        augment: AugmentationSettings? = nil, dropLast: Bool = false,
        threads: Int = max(1, availableCores - 1), prefetch: Int = 4
    ) {
        self.dataset = dataset
        self.batchSize = max(1, batchSize)
        self.shuffle = shuffle
        self.seed = seed
        self.augmentation = augment
        self.dropLast = dropLast
        self.threads = max(1, threads)
        self.prefetch = max(1, prefetch)
    }

    /// Batches per epoch.
    public var count: Int {
        dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// The sample order of an epoch.
    public func order(epoch: Int) -> [Int] {
        var order = Array(0..<dataset.count)
        if shuffle {
            var generator = SeededGenerator(seed: seed, stream: 1, index: UInt64(epoch))
            order.seededShuffle(&generator)
        }
        return order
    }

    /// Assembles batch `index` of `epoch` on the calling thread: normalise, augment, gather labels.
    public func makeBatch(epoch: Int, index: Int, order: [Int]) -> BatchContents {
        let batchStart = index * batchSize
        let batchEnd = min(batchStart + batchSize, order.count)
        let n = batchEnd - batchStart
        // The shard's positions; augmentation streams stay keyed by the global position.
        let start = batchStart + n * shard.index / max(shard.count, 1)
        let members = Array(order[start..<(batchStart + n * (shard.index + 1) / max(shard.count, 1))])
        let h = dataset.height, w = dataset.width, k = dataset.labelCount
        let pixels = h * w
        var images = [Float](repeating: 0, count: members.count * pixels)
        var labels = [Float](repeating: 0, count: members.count * k)
        var scratch = [Float](repeating: 0, count: pixels)
        images.withUnsafeMutableBufferPointer { imageBuffer in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                guard let out = imageBuffer.baseAddress, let tmp = scratchBuffer.baseAddress else { return }
                for (position, sampleIndex) in members.enumerated() {
                    let target = out + position * pixels
                    if let augmentation {
                        dataset.normalisedImage(at: sampleIndex, into: tmp)
                        var generator = SeededGenerator(seed: seed, stream: 2 + UInt64(epoch), index: UInt64(start + position))
                        augmentation.draw(width: w, height: h, using: &generator).apply(tmp, to: target, width: w, height: h)
                    } else {
                        dataset.normalisedImage(at: sampleIndex, into: target)
                    }
                }
            }
        }
        for (position, sampleIndex) in members.enumerated() {
            let y = dataset.samples[sampleIndex].labels
            for j in 0..<min(k, y.count) { labels[position * k + j] = y[j] }
        }
        let samples = members.map { dataset.samples[$0] }
        return BatchContents(
            images: images, labels: labels, ids: samples.map(\.fileId), frames: samples.map(\.frame),
            index: index, height: h, width: w, labelCount: k)
    }
}
