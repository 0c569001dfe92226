import Foundation
import Torch

/// One training batch.
public struct Batch {
    /// `[N, 1, H, W]` float32, z-scored and augmented.
    public let images: Tensor
    /// `[N, K]` float32 weak labels, in `CohortDataset.groupNames` order.
    public let labels: Tensor
    /// Manifest file id of each image.
    public let ids: [Int64]
    /// Frame index of each image within its file.
    public let frames: [Int]
    /// Position of this batch in its epoch.
    public let index: Int
}

extension BatchLoader {
    /// An iterator over one epoch's batches; workers start immediately.
    public func epoch(_ epoch: Int) -> EpochIterator {
        EpochIterator(loader: self, epoch: epoch)
    }

    /// Builds batch `index` of `epoch` on the calling thread.
    public func makeBatch(epoch: Int, index: Int, order: [Int]) throws -> Batch {
        let arrays = makeBatchArrays(epoch: epoch, index: index, order: order)
        return Batch(images: try Tensor(arrays.images, shape: [arrays.count, 1, dataset.height, dataset.width]),
                     labels: try Tensor(arrays.labels, shape: [arrays.count, dataset.labelCount]),
                     ids: arrays.ids, frames: arrays.frames, index: index)
    }
}

/// One epoch of batches in order. Each element is a `Result` so an error (e.g. from tensor
/// creation) reaches the training loop instead of stopping a worker silently. Releasing the
/// iterator early stops its workers.
public final class EpochIterator: IteratorProtocol, Sequence {
    private let state: EpochState

    init(loader: BatchLoader, epoch: Int) {
        state = EpochState(loader: loader, epoch: epoch)
        for _ in 0..<Swift.min(loader.threads, Swift.max(state.total, 1)) {
            let thread = Thread { [state] in state.work() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit { state.cancel() }

    public func next() -> Result<Batch, Error>? { state.next() }
}

/// The shared queue between an epoch's workers and its consumer.
private final class EpochState: @unchecked Sendable {
    let loader: BatchLoader
    let epoch: Int
    let order: [Int]
    let total: Int
    private let condition = NSCondition()
    private var ready: [Int: Result<Batch, Error>] = [:]
    private var nextToBuild = 0
    private var nextToHand = 0
    private var cancelled = false

    init(loader: BatchLoader, epoch: Int) {
        self.loader = loader
        self.epoch = epoch
        order = loader.order(epoch: epoch)
        total = loader.count
    }

    func cancel() {
        condition.lock()
        cancelled = true
        ready.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    func work() {
        while true {
            condition.lock()
            // Bounded prefetch: never run more than `prefetch` batches ahead of the consumer.
            while !cancelled && nextToBuild < total && nextToBuild >= nextToHand + loader.prefetch {
                condition.wait()
            }
            guard !cancelled, nextToBuild < total else {
                condition.unlock()
                return
            }
            let index = nextToBuild
            nextToBuild += 1
            condition.unlock()
            let result = Result { try loader.makeBatch(epoch: epoch, index: index, order: order) }
            condition.lock()
            if !cancelled { ready[index] = result }
            condition.broadcast()
            condition.unlock()
        }
    }

    func next() -> Result<Batch, Error>? {
        condition.lock()
        defer { condition.unlock() }
        guard nextToHand < total, !cancelled else { return nil }
        while ready[nextToHand] == nil { condition.wait() }
        let result = ready.removeValue(forKey: nextToHand)
        nextToHand += 1
        condition.broadcast()
        return result
    }
}
