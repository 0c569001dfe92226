import Foundation
import SonoParallel
import Torch

/// How many threads training uses, decided in one place for every training command.
///
/// libtorch's intra-op pool gets every core the process may run on: Debian's libtorch would
/// otherwise start with one thread, leaving the rest of a CPU machine idle. `--threads` wins,
/// then `OMP_NUM_THREADS` (the variable PyTorch itself honours), then the CPU affinity mask.
public enum TrainingThreads {
    /// An intra-op thread count and where it came from, for the line printed at start.
    public struct Decision: Equatable, Sendable {
        public var count: Int
        public var source: String
    }

    /// A malformed thread setting, naming the setting or variable.
    public struct InvalidSetting: Error, CustomStringConvertible {
        public let description: String
    }

    /// The intra-op thread count for a requested count (nil: not given).
    public static func intraOp(
        requested: Int?, environment: [String: String] = ProcessInfo.processInfo.environment,
        cores: Int = availableCores
    ) throws -> Decision {
        if let requested {
            guard requested >= 1 else { throw InvalidSetting(description: "thread count must be at least 1, got \(requested)") }
            return Decision(count: requested, source: "as requested")
        }
        if let raw = environment["OMP_NUM_THREADS"], !raw.trimmingCharacters(in: .whitespaces).isEmpty {
            // OpenMP allows a list (one count per nesting level); the first is the outer pool.
            let first = raw.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? raw
            guard let n = Int(first.trimmingCharacters(in: .whitespaces)), n >= 1 else {
                throw InvalidSetting(
                    description: "OMP_NUM_THREADS=\"\(raw)\" is not a positive thread count; unset it or ask for a thread count")
            }
            return Decision(count: n, source: "OMP_NUM_THREADS")
        }
        return Decision(count: max(1, cores), source: "all \(max(1, cores)) cores this process may use")
    }

    /// Sets libtorch's intra-op threads for a run and says so on stderr (once per count).
    @discardableResult
    public static func configure(requested: Int?) throws -> Decision {
        let decision = try intraOp(requested: requested)
        try TorchRuntime.setThreadCount(decision.count)
        announcementLock.lock()
        defer { announcementLock.unlock() }
        // An experiment starts many runs in one process: one line per change is enough.
        if announcedCount != decision.count {
            announcedCount = decision.count
            let line =
                "libtorch \(TorchRuntime.version): \(decision.count) intra-op thread\(decision.count == 1 ? "" : "s") (\(decision.source))\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
        return decision
    }

    /// Loader workers beside a training step on `device`. On the CPU libtorch already uses every
    /// core, and one worker with prefetch stays far ahead of a step (decoding from the cache
    /// costs milliseconds per batch, a step hundreds); on a GPU the cores are free for the loader.
    public static func loaderWorkers(device: String, cores: Int = availableCores) -> Int {
        device.hasPrefix("cuda") ? max(1, cores - 1) : 1
    }

    private static let announcementLock = NSLock()
    private static var announcedCount: Int?
}
