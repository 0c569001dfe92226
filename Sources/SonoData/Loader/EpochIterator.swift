import Foundation

extension BatchLoader {
    /// One epoch's batches as arrays; workers start immediately.
    public func epoch(_ epoch: Int) -> EpochIterator<BatchContents> {
        EpochIterator(loader: self, epoch: epoch) { $0 }
    }

    /// One epoch's batches, each passed through `transform` on the worker thread that built it
    /// (e.g. to make tensors, so the consumer only trains).
    public func epoch<Element>(_ epoch: Int, transform: @escaping @Sendable (BatchContents) throws -> Element) -> EpochIterator<Element> {
        EpochIterator(loader: self, epoch: epoch, transform: transform)
    }
}

/// One epoch of batches in order. Each element is a `Result` so an error (e.g. from the
/// transform) reaches the training loop instead of stopping a worker silently. Releasing the
/// iterator early stops its workers.
public final class EpochIterator<Element>: IteratorProtocol, Sequence {
    private let state: EpochState<Element>

    init(loader: BatchLoader, epoch: Int, transform: @escaping (BatchContents) throws -> Element) {
        state = EpochState(loader: loader, epoch: epoch, transform: transform)
        for _ in 0..<Swift.min(loader.threads, Swift.max(state.total, 1)) {
            let thread = Thread { [state] in state.work() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit { state.cancel() }

    public func next() -> Result<Element, Error>? { state.next() }
}

/// The shared queue between an epoch's workers and its consumer.
private final class EpochState<Element>: @unchecked Sendable {
    let loader: BatchLoader
    let epoch: Int
    let order: [Int]
    let total: Int
    let transform: (BatchContents) throws -> Element
    private let condition = NSCondition()
    private var ready: [Int: Result<Element, Error>] = [:]
    private var nextToBuild = 0
    private var nextToHand = 0
    private var cancelled = false

    init(loader: BatchLoader, epoch: Int, transform: @escaping (BatchContents) throws -> Element) {
        self.loader = loader
        self.epoch = epoch
        self.transform = transform
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
            let result = Result { try transform(loader.makeBatch(epoch: epoch, index: index, order: order)) }
            condition.lock()
            if !cancelled { ready[index] = result }
            condition.broadcast()
            condition.unlock()
        }
    }

    func next() -> Result<Element, Error>? {
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
