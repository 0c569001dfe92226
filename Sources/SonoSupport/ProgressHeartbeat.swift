import Foundation

/// A plain line whenever long work has printed nothing for `interval` seconds, so a log without
/// a terminal never stays silent (one training step, one large DICOM or one evaluation phase can
/// outlast any step-driven progress line). It repeats where the work last said it was.
///
/// Commands start it only when the output is not interactive (`ProgressOutput.isInteractive`):
/// on a terminal the redrawn bar already shows that the work moves.
public final class ProgressHeartbeat: @unchecked Sendable {
    public let label: String
    public let interval: TimeInterval
    private let clock: () -> Date
    private let output: (String) -> Void
    private let lock = NSLock()
    private let started: Date
    private var lastLine: Date
    private var status: String?
    private var timer: DispatchSourceTimer?

    /// - Parameters:
    ///   - label: the command, as lines begin (`finetune: still working …`).
    ///   - output: where heartbeat lines go (standard error); `clock` for tests.
    public init(
        label: String, interval: TimeInterval = ProgressOutput.heartbeatInterval, clock: @escaping () -> Date = Date.init,
        output: @escaping (String) -> Void = { ProgressOutput.standardError($0 + "\n") }
    ) {
        self.label = label
        self.interval = interval
        self.clock = clock
        self.output = output
        started = clock()
        lastLine = started
    }

    deinit { timer?.cancel() }

    /// Something was printed, so the silence starts again; `status` (where the work is now)
    /// replaces the one the next heartbeat line repeats.
    public func printed(status: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        lastLine = clock()
        if let status { self.status = status }
    }

    /// Writes a heartbeat line if nothing was printed for `interval` seconds.
    public func tick() {
        lock.lock()
        defer { lock.unlock() }
        let now = clock()
        guard now.timeIntervalSince(lastLine) >= interval else { return }
        lastLine = now
        output(
            "\(label): still working, \(ProgressOutput.duration(now.timeIntervalSince(started))) in"
                + (status.map { "; last: \($0)" } ?? ""))
    }

    /// Ticks on a background timer until `stop` (checked often enough for short test intervals).
    public func start() {
        lock.lock()
        defer { lock.unlock() }
        guard timer == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        let period = min(1, max(0.01, interval / 4))
        timer.schedule(deadline: .now() + period, repeating: period)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        self.timer = timer
    }

    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        timer?.cancel()
        timer = nil
    }
}
