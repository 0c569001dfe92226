import Foundation
import SeededRandom
import Torch

/// One batch for pretraining: N×1×H×W z-scored images and their N×K weak labels.
public struct PretrainBatch {
    public var images: Tensor
    public var labels: Tensor
    /// Short human-readable tags per image for the in-painting grid (e.g. "linear · thyroid");
    /// never patient identifiers.
    public var captions: [String]

    public init(images: Tensor, labels: Tensor, captions: [String] = []) {
        self.images = images
        self.labels = labels
        self.captions = captions
    }
}

/// Where pretraining gets its images. The cohort loader (SonoData) and in-memory tensors (tests,
/// synthetic runs) both conform.
public protocol PretrainBatchSource: AnyObject {
    /// K, the length of the label vector y.
    var labelCount: Int { get }
    /// Identifies the label mapping (stored in checkpoints; resuming with another mapping fails).
    var labelMappingHash: String { get }
    /// The label vector's group names, in order (recorded in the run folder and checkpoints).
    var labelGroupNames: [String] { get }
    /// Images available per epoch.
    var imageCount: Int { get }
    /// Calls `body` with each batch of one epoch, in an order determined by `seed` and `epoch`
    /// alone (so a resumed run sees the same batches). At most `limit` images are used;
    /// `dropIncomplete` drops a final batch smaller than `batchSize` (batch norm needs ≥ 2).
    func forEachBatch(
        epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
        _ body: (PretrainBatch) throws -> Void) throws
    /// The same batches, of which this process gets only `shard`'s part (data-parallel
    /// training): the shards of all processes together are exactly the batches above.
    func forEachBatch(
        epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
        shard: DataShard, _ body: (PretrainBatch) throws -> Void) throws
}

/// One process's share of every batch in data-parallel training: a contiguous run of positions,
/// the same split of the same seeded global order on every process.
public struct DataShard: Equatable, Sendable {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(index), "shard \(index) of \(count)")
        self.index = index
        self.count = count
    }

    /// The whole batch (one process).
    public static let whole = DataShard(index: 0, count: 1)

    /// This shard's positions within a batch of `n`.
    public func positions(in n: Int) -> Range<Int> { (n * index / count)..<(n * (index + 1) / count) }
}

extension PretrainBatchSource {
    /// Sources without named groups (generated data) number them.
    public var labelGroupNames: [String] { (0..<labelCount).map { "label \($0)" } }

    /// Builds the whole batch and keeps the shard's rows (sources that can build only their part
    /// implement the requirement themselves).
    public func forEachBatch(
        epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
        shard: DataShard, _ body: (PretrainBatch) throws -> Void
    ) throws {
        try forEachBatch(
            epoch: epoch, batchSize: batchSize, seed: seed, shuffled: shuffled, limit: limit,
            dropIncomplete: dropIncomplete
        ) { batch in
            guard shard.count > 1 else { return try body(batch) }
            let rows = shard.positions(in: batch.images.shape[0])
            try body(
                PretrainBatch(
                    images: batch.images.narrowed(dim: 0, start: rows.lowerBound, length: rows.count),
                    labels: batch.labels.narrowed(dim: 0, start: rows.lowerBound, length: rows.count),
                    captions: batch.captions.isEmpty ? [] : Array(batch.captions[rows])))
        }
    }

    public func batchCount(batchSize: Int, limit: Int?, dropIncomplete: Bool) -> Int {
        let n = min(imageCount, limit ?? Int.max)
        return dropIncomplete ? n / batchSize : (n + batchSize - 1) / batchSize
    }
}

/// Pretraining's data-order streams. SplitMix64's whole state is one word, which is all a
/// checkpoint needs to store to replay shuffles exactly.
extension SplitMix64 {
    /// A generator for one (seed, epoch, stream) triple, independent of every other.
    public static func stream(seed: UInt64, epoch: Int, stream: UInt64 = 0) -> SplitMix64 {
        var g = SplitMix64(seed: seed ^ (stream &* 0xD6E8_FEB8_6659_FD93))
        for _ in 0...(epoch & 0xFF) { _ = g.next() }
        return SplitMix64(seed: g.next() &+ UInt64(truncatingIfNeeded: epoch) &* 0x9E37_79B9_7F4A_7C15)
    }
}

/// Images already in memory as one N×1×H×W tensor with N×K labels.
public final class InMemoryBatchSource: PretrainBatchSource {
    public let images: Tensor
    public let labels: Tensor
    public let captions: [String]
    public let labelMappingHash: String

    public init(images: Tensor, labels: Tensor, captions: [String] = [], labelMappingHash: String = "none") throws {
        guard images.rank == 4, labels.rank == 2, images.shape[0] == labels.shape[0], images.shape[0] > 0 else {
            throw PretrainError.invalidBatch(
                reason: "images \(images.shape) and labels \(labels.shape) must be N×C×H×W and N×K with the same N > 0")
        }
        guard captions.isEmpty || captions.count == images.shape[0] else {
            throw PretrainError.invalidBatch(reason: "\(captions.count) captions for \(images.shape[0]) images")
        }
        self.images = images
        self.labels = labels
        self.captions = captions
        self.labelMappingHash = labelMappingHash
    }

    public var labelCount: Int { labels.shape[1] }
    public var imageCount: Int { images.shape[0] }

    public func forEachBatch(
        epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
        _ body: (PretrainBatch) throws -> Void
    ) throws {
        try forEachBatch(
            epoch: epoch, batchSize: batchSize, seed: seed, shuffled: shuffled, limit: limit,
            dropIncomplete: dropIncomplete, shard: .whole, body)
    }

    public func forEachBatch(
        epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
        shard: DataShard, _ body: (PretrainBatch) throws -> Void
    ) throws {
        var order = Array(0..<imageCount)
        if shuffled {
            var rng = SplitMix64.stream(seed: seed, epoch: epoch)
            order.shuffle(using: &rng)
        }
        order = Array(order.prefix(limit ?? order.count))
        var start = 0
        while start < order.count {
            let batch = Array(order[start..<min(start + batchSize, order.count)])
            start += batchSize
            if dropIncomplete && batch.count < batchSize { break }
            let slice = Array(batch[shard.positions(in: batch.count)])
            let index = try Tensor(slice.map(Int64.init))
            try body(
                PretrainBatch(
                    images: images.indexSelect(dim: 0, indices: index),
                    labels: labels.indexSelect(dim: 0, indices: index),
                    captions: captions.isEmpty ? [] : slice.map { captions[$0] }))
        }
    }
}
