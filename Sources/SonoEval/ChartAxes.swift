import Foundation
import Imaging

/// Shared layout for charts: title on top, y-axis title above the axis, tick labels, and a
/// linear mapping from data to pixels inside the plot area.
struct ChartAxes {
    let plotLeft: Int, plotTop: Int, plotWidth: Int, plotHeight: Int
    let xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>
    let xTicks: [Double], yTicks: [Double]

    static let ink = RGB(40, 40, 40)
    static let grid = RGB(225, 225, 225)

    /// "Nice" tick positions (steps of 1, 2 or 5 × 10ᵏ) covering `range` with about `target` ticks,
    /// and the domain widened to the outer ticks.
    static func niceTicks(_ range: ClosedRange<Double>, target: Int = 5) -> (domain: ClosedRange<Double>, ticks: [Double]) {
        var lo = range.lowerBound, hi = range.upperBound
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi - lo < 1e-12 * max(1, abs(lo)) {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        let rough = (hi - lo) / Double(max(1, target))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = (lo / step).rounded(.down) * step, last = (hi / step).rounded(.up) * step
        var ticks: [Double] = []
        var t = first
        while t <= last + step * 1e-9, ticks.count < 100 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return (first...last, ticks)
    }

    /// Whole decades for a log₁₀ axis (values are already log₁₀), at least one decade wide.
    static func decadeTicks(_ range: ClosedRange<Double>) -> (domain: ClosedRange<Double>, ticks: [Double]) {
        guard range.lowerBound.isFinite, range.upperBound.isFinite else { return (0...1, [0, 1]) }
        let lo = range.lowerBound.rounded(.down)
        let hi = max(lo + 1, range.upperBound.rounded(.up))
        let step = max(1, ((hi - lo) / 6).rounded(.up))
        return (lo...hi, Array(stride(from: lo, through: hi, by: step)))
    }

    init(
        canvasWidth: Int, canvasHeight: Int, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
        niceX: Bool = true, logarithmicY: Bool = false, yTickLabel: (Double) -> String, scale: Int, bottomExtra: Int = 0
    ) {
        let y = logarithmicY ? Self.decadeTicks(yRange) : Self.niceTicks(yRange)
        yDomain = y.domain
        yTicks = y.ticks
        if niceX {
            let x = Self.niceTicks(xRange, target: 6)
            xDomain = x.domain
            xTicks = x.ticks
        } else {
            xDomain = xRange
            xTicks = []
        }
        let labelWidth = yTicks.map { BitmapFont.size(of: yTickLabel($0), scale: scale).width }.max() ?? 0
        let line = BitmapFont.lineHeight * scale
        plotLeft = labelWidth + 6 * scale + 4
        plotTop = 2 * line + 4 * scale + 4
        plotWidth = max(10, canvasWidth - plotLeft - 8 * scale)
        plotHeight = max(10, canvasHeight - plotTop - 2 * line - 6 * scale - bottomExtra)
    }

    func px(_ x: Double) -> Int {
        let span = xDomain.upperBound - xDomain.lowerBound
        return plotLeft + Int(((x - xDomain.lowerBound) / (span == 0 ? 1 : span) * Double(plotWidth - 1)).rounded())
    }

    func py(_ y: Double) -> Int {
        let span = yDomain.upperBound - yDomain.lowerBound
        return plotTop + plotHeight - 1 - Int(((y - yDomain.lowerBound) / (span == 0 ? 1 : span) * Double(plotHeight - 1)).rounded())
    }

    /// Grid lines, axes, tick labels, the title and both axis titles.
    func drawFrame(
        on canvas: inout Canvas, title: String, xLabel: String, yLabel: String,
        yTickLabel: (Double) -> String, scale: Int
    ) {
        let line = BitmapFont.lineHeight * scale
        for t in yTicks {
            canvas.fillRect(x: plotLeft, y: py(t), width: plotWidth, height: 1, Self.grid)
            let label = yTickLabel(t)
            let size = BitmapFont.size(of: label, scale: scale)
            canvas.drawText(label, x: plotLeft - 4 - size.width, y: py(t) - size.height / 2, Self.ink, scale: scale)
        }
        for t in xTicks {
            canvas.fillRect(x: px(t), y: plotTop, width: 1, height: plotHeight, Self.grid)
            let label = Format.tick(t)
            let size = BitmapFont.size(of: label, scale: scale)
            canvas.drawText(label, x: px(t) - size.width / 2, y: plotTop + plotHeight + 3 * scale, Self.ink, scale: scale)
        }
        canvas.fillRect(x: plotLeft, y: plotTop, width: 1, height: plotHeight, Self.ink)
        canvas.fillRect(x: plotLeft, y: plotTop + plotHeight - 1, width: plotWidth, height: 1, Self.ink)
        let titleSize = BitmapFont.size(of: title, scale: scale + 1)
        canvas.drawText(title, x: max(2, (canvas.width - titleSize.width) / 2), y: 3, Self.ink, scale: scale + 1)
        // Above the axis, right of the tick labels, so it never collides with the top label.
        canvas.drawText(yLabel, x: plotLeft + 4, y: plotTop - line - 2 * scale, Self.ink, scale: scale)
        let xSize = BitmapFont.size(of: xLabel, scale: scale)
        canvas.drawText(xLabel, x: plotLeft + (plotWidth - xSize.width) / 2, y: canvas.height - line - 2, Self.ink, scale: scale)
    }
}
