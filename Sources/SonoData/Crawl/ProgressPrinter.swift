import Foundation
import SonoSupport

/// Prints crawl progress to standard error: a redrawn bar on a terminal, plain lines (at most
/// one every `interval` seconds) when the output is a file or `CI=true`.
public final class ProgressPrinter: @unchecked Sendable {
    public let interactive: Bool
    let interval: TimeInterval
    var lastLine = Date.distantPast
    private let output: (String) -> Void
    private var heartbeat: ProgressHeartbeat?

    public init(interactive: Bool? = nil, interval: TimeInterval = 2, write: ((String) -> Void)? = nil) {
        self.interactive = interactive ?? ProgressOutput.isInteractive
        self.interval = interval
        self.output = write ?? ProgressOutput.standardError
    }

    /// Plain lines only: a line whenever nothing was printed for
    /// `ProgressOutput.heartbeatInterval` seconds (one large or slow file gives no report),
    /// repeating the last one; `label` names the command.
    public func startHeartbeat(label: String, interval: TimeInterval = ProgressOutput.heartbeatInterval) {
        guard !interactive, heartbeat == nil else { return }
        let heartbeat = ProgressHeartbeat(label: label, interval: interval, output: { [output] in output($0 + "\n") })
        heartbeat.start()
        self.heartbeat = heartbeat
    }

    public func stopHeartbeat() {
        heartbeat?.stop()
        heartbeat = nil
    }

    func write(_ text: String) {
        output(text)
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !interactive, !line.isEmpty { heartbeat?.printed(status: line) }
    }

    public func report(_ progress: CrawlProgress) {
        let finished = progress.done >= progress.total
        if interactive {
            let width = 30
            let fraction = progress.total == 0 ? 1 : Double(progress.done) / Double(progress.total)
            let filled = Int((fraction * Double(width)).rounded(.down))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write("\r[\(bar)] \(Self.line(progress))\u{1B}[K" + (finished ? "\n" : ""))
        } else if finished || Date().timeIntervalSince(lastLine) >= interval {
            lastLine = Date()
            write("index: " + Self.line(progress) + "\n")
        }
    }

    static func line(_ progress: CrawlProgress) -> String {
        var text = "\(progress.done)/\(progress.total) files"
        if progress.unchanged > 0 { text += " (\(progress.unchanged) unchanged)" }
        text += String(format: ", %.0f files/s", progress.filesPerSecond)
        if progress.done < progress.total, let eta = progress.estimatedRemaining {
            text += ", ETA " + ProgressOutput.duration(eta)
        } else if progress.done >= progress.total {
            text += ", " + ProgressOutput.duration(progress.elapsed)
        }
        return text
    }
}

extension ProgressPrinter {
    /// A free-form progress line, rate-limited like crawl lines when not interactive.
    public func reportLine(_ text: String, final: Bool = false) {
        if interactive {
            write("\r\(text)\u{1B}[K" + (final ? "\n" : ""))
        } else if final || Date().timeIntervalSince(lastLine) >= interval {
            lastLine = Date()
            write(text + "\n")
        }
    }
}
