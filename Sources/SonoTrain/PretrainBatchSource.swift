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
    func forEachBatch(epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
                      _ body: (PretrainBatch) throws -> Void) throws
}

extension PretrainBatchSource {
    /// Sources without named groups (generated data) number them.
    public var labelGroupNames: [String] { (0..<labelCount).map { "label \($0)" } }

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
            throw PretrainError.invalidBatch(reason: "images \(images.shape) and labels \(labels.shape) must be N×C×H×W and N×K with the same N > 0")
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

    public func forEachBatch(epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
                             _ body: (PretrainBatch) throws -> Void) throws {
        var order = Array(0..<imageCount)
        if shuffled {
            var rng = SplitMix64.stream(seed: seed, epoch: epoch)
            order.shuffle(using: &rng)
        }
        order = Array(order.prefix(limit ?? order.count))
        var start = 0
        while start < order.count {
            let slice = Array(order[start..<min(start + batchSize, order.count)])
            start += batchSize
            if dropIncomplete && slice.count < batchSize { break }
            let index = try Tensor(slice.map(Int64.init))
            try body(PretrainBatch(images: images.indexSelect(dim: 0, indices: index),
                                   labels: labels.indexSelect(dim: 0, indices: index),
                                   captions: captions.isEmpty ? [] : slice.map { captions[$0] }))
        }
    }
}
