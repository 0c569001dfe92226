import Foundation

/// Training progress on stderr: a redrawn bar on a terminal, plain lines otherwise (logs, CI).
public final class ProgressReporter {
    public enum Style { case bar, lines, silent }
    private let style: Style
    private let lineEvery: Int
    private var lastLength = 0

    public init(style: Style? = nil, lineEvery: Int = 10) {
        self.style = style ?? (isatty(STDERR_FILENO) == 1 ? .bar : .lines)
        self.lineEvery = max(1, lineEvery)
    }

    /// One training step done: `step` of `stepsPerEpoch` in `epoch` (1-based) of `epochs`.
    public func step(epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int, losses: String, imagesPerSecond: Double) {
        let speed = String(format: "%.1f img/s", imagesPerSecond)
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
            if step % lineEvery == 0 || step == stepsPerEpoch {
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
        write(text + "\n")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
