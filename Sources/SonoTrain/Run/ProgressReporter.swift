import Foundation
import SonoSupport

/// Training progress on stderr: a redrawn bar on a terminal, plain lines otherwise (logs, CI).
///
/// Plain lines come every `lineEvery` steps and, whatever the step rate, at least every
/// `lineInterval` seconds (`ProgressOutput.heartbeatInterval`: 30 s unless
/// `SONOTAG_PROGRESS_INTERVAL` says otherwise); with `startHeartbeat`, a step longer than that
/// still gets a line, so a log never stays silent for minutes. Both forms show the rate and the
/// time left in the epoch and in the whole run.
public final class ProgressReporter {
    public enum Style { case bar, lines, silent }
    private let style: Style
    private let lineEvery: Int
    private let lineInterval: TimeInterval
    private let clock: () -> Date
    private let output: (String) -> Void
    private var lastLength = 0
    private var lastLine: Date?
    /// Start of the current epoch's timing: (epoch, time at its first reported step, that step).
    private var epochMark: (epoch: Int, time: Date, step: Int)?
    private var heartbeat: ProgressHeartbeat?

    /// - Parameters:
    ///   - style: nil picks a bar on a terminal, lines otherwise (and with `CI=true`).
    ///   - clock, write: for tests; default the wall clock and standard error.
    public init(
        style: Style? = nil, lineEvery: Int = 10, lineInterval: TimeInterval = ProgressOutput.heartbeatInterval,
        clock: @escaping () -> Date = Date.init, write: ((String) -> Void)? = nil
    ) {
        self.style = style ?? (ProgressOutput.isInteractive ? .bar : .lines)
        self.lineEvery = max(1, lineEvery)
        self.lineInterval = lineInterval
        self.clock = clock
        self.output = write ?? ProgressOutput.standardError
    }

    /// One training step done: `step` of `stepsPerEpoch` in `epoch` (1-based) of `epochs`.
    public func step(epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int, losses: String, imagesPerSecond: Double) {
        guard style != .silent else { return }
        let now = clock()
        if epochMark?.epoch != epoch { epochMark = (epoch, now, step) }
        var speed = String(format: "%.1f img/s", imagesPerSecond)
        if let mark = epochMark, step > mark.step {
            let perStep = now.timeIntervalSince(mark.time) / Double(step - mark.step)
            let epochLeft = Double(max(0, stepsPerEpoch - step)) * perStep
            let runLeft = epochLeft + Double(max(0, epochs - epoch) * stepsPerEpoch) * perStep
            speed += ", epoch ETA \(ProgressOutput.duration(epochLeft)), run ETA \(ProgressOutput.duration(runLeft))"
        }
        switch style {
        case .silent:
            return
        case .bar:
            let width = 24
            let filled = stepsPerEpoch > 0 ? min(width, width * step / stepsPerEpoch) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let text = "epoch \(epoch)/\(epochs) [\(bar)] \(step)/\(stepsPerEpoch) \(losses) \(speed)"
            let pad = max(0, lastLength - text.count)
            write("\r" + text + String(repeating: " ", count: pad))
            lastLength = text.count
        case .lines:
            let due = lastLine.map { now.timeIntervalSince($0) >= lineInterval } ?? true
            if step % lineEvery == 0 || step == stepsPerEpoch || due {
                lastLine = now
                write("epoch \(epoch)/\(epochs) step \(step)/\(stepsPerEpoch) \(losses) \(speed)\n")
            }
        }
    }

    /// A line that must stand on its own (epoch summaries, checkpoints, warnings).
    public func note(_ text: String) {
        guard style != .silent else { return }
        if style == .bar && lastLength > 0 {
            write("\n")
            lastLength = 0
        }
        lastLine = clock()
        write(text + "\n")
    }

    /// Plain lines only: a line whenever nothing was printed for `lineInterval` seconds, even
    /// in the middle of a step (`label` names the command). A bar shows its own motion.
    public func startHeartbeat(label: String) {
        guard style == .lines, heartbeat == nil else { return }
        let heartbeat = ProgressHeartbeat(label: label, interval: lineInterval, clock: clock, output: { [output] in output($0 + "\n") })
        heartbeat.start()
        self.heartbeat = heartbeat
    }

    public func stopHeartbeat() {
        heartbeat?.stop()
        heartbeat = nil
    }

    /// A line the command is about to print elsewhere (standard output): a bar's line is ended
    /// first, and for the heartbeat it counts as output.
    public func recordOutput(_ line: String) {
        if style == .bar && lastLength > 0 {
            write("\n")
            lastLength = 0
        }
        heartbeat?.printed(status: line)
    }

    private func write(_ text: String) {
        output(text)
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !line.isEmpty { heartbeat?.printed(status: line) }
    }
}
