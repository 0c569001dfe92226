import Foundation
import SonoData
import SonoSupport

/// Where an experiment is in its whole plan: every sub-run (a pretraining, or a fine-tuning with
/// its evaluation) is numbered k of n when it starts, with an ETA for the rest of the plan; and
/// while one runs, a plain line at least every `interval` seconds, so a log without a terminal
/// never stays silent (a fine-tuning epoch or an evaluation can take longer than that).
///
/// The ETA is the mean time of the sub-runs that trained in this invocation times those left;
/// reused sub-runs cost nothing and are not counted.
public final class ExperimentProgress: @unchecked Sendable {
    public let total: Int
    private let interval: TimeInterval
    private let clock: () -> Date
    private let output: (String) -> Void
    private let lock = NSLock()
    private var started = 0
    private var begun: Set<String> = []
    private var trained: (count: Int, seconds: TimeInterval) = (0, 0)
    private var current: (index: Int, what: String, since: Date)?
    private var lastLine: Date
    private var timer: DispatchSourceTimer?

    /// - Parameters:
    ///   - total: the plan's sub-runs (`ExperimentRunner.plannedSubRuns`).
    ///   - output: where lines go (the runner's log); `clock` for tests.
    public init(
        total: Int, interval: TimeInterval = ProgressOutput.heartbeatInterval, clock: @escaping () -> Date = Date.init,
        output: @escaping (String) -> Void
    ) {
        self.total = total
        self.interval = interval
        self.clock = clock
        self.output = output
        lastLine = clock()
    }

    deinit { timer?.cancel() }

    /// Starts the heartbeat (a background timer; `tick` is what it calls).
    public func startHeartbeat() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        self.timer = timer
    }

    /// A line from the experiment or its sub-runs: passed on, and it counts as output.
    public func line(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        lastLine = clock()
        output(text)
    }

    /// The sub-run in `folder`, described as `what`, begins (`reused`: its finished output is
    /// taken as it is). A folder counts once (CE+DCM+F fine-tunes CE+DCM's pretraining).
    public func begin(_ what: String, folder: URL, reused: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        guard begun.insert(folder.standardizedFileURL.path).inserted else { return }
        let now = clock()
        finishCurrent(at: now)
        started += 1
        lastLine = now
        if reused {
            output("[sub-run \(started) of \(total)] \(what): finished earlier, reused")
        } else {
            current = (started, what, now)
            output("[sub-run \(started) of \(total)\(eta(now: now).map { "; plan ETA \($0)" } ?? "")] \(what)")
        }
    }

    /// The plan is done (or stopped): the last sub-run's time is counted, the heartbeat ends.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        finishCurrent(at: clock())
        timer?.cancel()
        timer = nil
    }

    /// A still line when nothing was said for `interval` seconds.
    public func tick() {
        lock.lock()
        defer { lock.unlock() }
        let now = clock()
        guard now.timeIntervalSince(lastLine) >= interval, let current else { return }
        lastLine = now
        let running = ProgressOutput.duration(now.timeIntervalSince(current.since))
        output(
            "[sub-run \(current.index) of \(total); running \(running)\(eta(now: now).map { "; plan ETA \($0)" } ?? "")] \(current.what)")
    }

    private func finishCurrent(at now: Date) {
        guard let running = current else { return }
        trained = (trained.count + 1, trained.seconds + now.timeIntervalSince(running.since))
        current = nil
    }

    /// Time left for the plan: unknown until one sub-run has trained here.
    private func eta(now: Date) -> String? {
        guard trained.count > 0 else { return nil }
        let mean = trained.seconds / Double(trained.count)
        let elapsedInCurrent = current.map { now.timeIntervalSince($0.since) } ?? 0
        let left = Double(max(0, total - started + (current == nil ? 0 : 1))) * mean - min(elapsedInCurrent, mean)
        return ProgressOutput.duration(max(0, left))
    }
}
