import Foundation
import Synchronization
import Torch

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C and SIGTERM during `pretrain` and `finetune`. The handler only records the request
/// (a lock-free atomic store is async-signal-safe; writing a checkpoint is not), and the training
/// loops look at it at every step boundary: they write a checkpoint there and throw
/// `TrainingInterrupted`. A second signal stops at once, for a step that never ends.
public enum TrainingInterruption {
    private static let requests = Atomic<Int>(0)
    /// When the first request came (CLOCK_MONOTONIC, ms): a Ctrl-C reaches a data-parallel
    /// worker both from the terminal and forwarded by its launcher, and those copies are one request.
    private static let firstRequestMilliseconds = Atomic<Int>(0)
    nonisolated(unsafe) private static var hurriedNotice: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var hurriedLength = 0

    /// Routes SIGINT and SIGTERM to the request flag from now on.
    public static func install() {
        let text = "\nsonotag: second interrupt: stopped without a checkpoint (the last one written is kept)\n"
        hurriedNotice = strdup(text)
        hurriedLength = text.utf8.count
        let handler: @convention(c) (Int32) -> Void = { _ in
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let milliseconds = now.tv_sec * 1000 + now.tv_nsec / 1_000_000
            if TrainingInterruption.requests.add(1, ordering: .sequentiallyConsistent).newValue == 1 {
                TrainingInterruption.firstRequestMilliseconds.store(milliseconds, ordering: .sequentiallyConsistent)
            } else if milliseconds - TrainingInterruption.firstRequestMilliseconds.load(ordering: .sequentiallyConsistent) > 1000 {
                if let notice = TrainingInterruption.hurriedNotice { _ = write(STDERR_FILENO, notice, TrainingInterruption.hurriedLength) }
                _exit(130)
            }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// Whether a stop was asked for. In a data-parallel group every member must stop at the same
    /// step (the next step's gradient average would wait for the missing ones forever), so the
    /// members agree: any member's request stops them all.
    static func isRequested(agreedOver group: ProcessGroup?) throws -> Bool {
        let local = requests.load(ordering: .sequentiallyConsistent) > 0
        guard let group, group.worldSize > 1 else { return local }
        return try group.sum([local ? 1 : 0])[0] > 0
    }

    /// Whether this process was asked to stop (no agreement with a group).
    public static var isRequestedHere: Bool { requests.load(ordering: .sequentiallyConsistent) > 0 }

    /// As if a signal had arrived: for tests that stop a loop in process.
    public static func request() { requests.add(1, ordering: .sequentiallyConsistent) }

    /// Forgets a request (tests that run several loops in one process).
    public static func reset() { requests.store(0, ordering: .sequentiallyConsistent) }
}

/// A training run stopped at a step boundary on request, after writing `checkpoint`.
public struct TrainingInterrupted: Error, CustomStringConvertible {
    /// The run folder and the checkpoint that resumes it.
    public var runDirectory: URL
    public var checkpoint: URL
    /// The epoch being trained (1-based) and the steps of it done; 0 steps after an epoch's end.
    public var epoch: Int
    public var stepsIntoEpoch: Int

    public var description: String {
        let position = stepsIntoEpoch > 0 ? "at epoch \(epoch) step \(stepsIntoEpoch)" : "after epoch \(epoch)"
        return "interrupted \(position); checkpoint written to \(checkpoint.path)"
    }
}

/// When a mid-epoch checkpoint is due: every `every` steps of the run (`--checkpoint-every`),
/// or at once when a stop was asked for. An epoch's last step is left to the epoch's own
/// checkpoint, which also holds its validation.
struct StepCheckpointPolicy {
    var every: Int?
    var group: ProcessGroup?

    /// What to do after the run's `globalStep`-th step, the `step`-th of `stepsPerEpoch`.
    func decision(globalStep: Int, step: Int, stepsPerEpoch: Int) throws -> (save: Bool, stop: Bool) {
        let stop = try TrainingInterruption.isRequested(agreedOver: group)
        guard step < stepsPerEpoch else { return (false, false) }
        let due = every.map { $0 > 0 && globalStep % $0 == 0 } ?? false
        return (stop || due, stop)
    }
}
