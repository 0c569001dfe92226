import Foundation

/// What every progress display shares: where it writes, whether it may redraw a line in place,
/// and how it spells a duration. The crawl's bar (SonoData) and training's reporter (SonoTrain)
/// build on it, so `CI=true` and a redirected stderr mean plain lines for every command.
public enum ProgressOutput {
    /// Standard error is a terminal and `CI` is not `true`: a bar may be redrawn with `\r`.
    public static var isInteractive: Bool {
        let ci = ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"
        return isatty(STDERR_FILENO) == 1 && !ci
    }

    /// The longest silence a long command allows itself without a terminal: 30 s, or
    /// `SONOTAG_PROGRESS_INTERVAL` seconds (a positive number; tests set a fraction of a second
    /// to see heartbeat lines without waiting). Step lines, heartbeats and experiment plan lines
    /// all use it.
    public static var heartbeatInterval: TimeInterval {
        heartbeatInterval(environment: ProcessInfo.processInfo.environment)
    }

    /// `heartbeatInterval` as `environment` sets it; an unusable value falls back to 30 s.
    public static func heartbeatInterval(environment: [String: String]) -> TimeInterval {
        guard let text = environment["SONOTAG_PROGRESS_INTERVAL"], let seconds = TimeInterval(text),
            seconds.isFinite, seconds > 0
        else { return 30 }
        return seconds
    }

    /// Writes to standard error unbuffered, so progress shows even when stdout is piped.
    public static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `12.3s`, `4m05s`, `2h07m`: how progress lines of every command write a duration.
    public static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%.1fs", seconds)
    }
}
