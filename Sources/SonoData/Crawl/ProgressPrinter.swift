import Foundation
import SonoSupport

/// Prints crawl progress to standard error: a redrawn bar on a terminal, plain lines (at most
/// one every `interval` seconds) when the output is a file or `CI=true`.
public final class ProgressPrinter: @unchecked Sendable {
    public let interactive: Bool
    let interval: TimeInterval
    var lastLine = Date.distantPast
    let write: (String) -> Void

    public init(interactive: Bool? = nil, interval: TimeInterval = 2, write: ((String) -> Void)? = nil) {
        self.interactive = interactive ?? ProgressOutput.isInteractive
        self.interval = interval
        self.write = write ?? ProgressOutput.standardError
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
