import Foundation
import Imaging

/// A line chart rendered to a raster with the built-in font: axes with nice ticks, grid, legend.
/// Used for loss curves (optionally on a log₁₀ y axis). NaN and infinite points break the line.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var color: RGB?

        public init(name: String, points: [(x: Double, y: Double)], color: RGB? = nil) {
            self.name = name
            self.points = points
            self.color = color
        }

        /// y values at x = 1, 2, 3 … (e.g. one loss per epoch).
        public init(name: String, values: [Double], color: RGB? = nil) {
            self.init(name: name, points: values.enumerated().map { (Double($0.offset + 1), $0.element) }, color: color)
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var width = 640
    public var height = 400
    public var textScale = 1
    public var logarithmicY = false
    /// Fixed y range; nil fits the data.
    public var yRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    private func transformed(_ y: Double) -> Double? {
        guard y.isFinite else { return nil }
        if logarithmicY { return y > 0 ? log10(y) : nil }
        return y
    }

    public func render() -> Raster {
        var canvas = Canvas(width: max(120, width), height: max(100, height), background: .white)
        let usable = series.flatMap { $0.points }.compactMap { p in transformed(p.y).map { (p.x, $0) } }.filter { $0.0.isFinite }
        let xs = usable.map(\.0), ys = usable.map(\.1)
        let xRange = (xs.min() ?? 0)...(xs.max() ?? 1)
        let yData = (ys.min() ?? 0)...(ys.max() ?? 1)
        let yFixed = yRange.flatMap { r -> ClosedRange<Double>? in
            guard let lo = transformed(r.lowerBound), let hi = transformed(r.upperBound), lo < hi else { return nil }
            return lo...hi
        }
        let tickLabel: (Double) -> String = { logarithmicY ? Format.tick(pow(10, $0)) : Format.tick($0) }
        let axes = ChartAxes(
            canvasWidth: canvas.width, canvasHeight: canvas.height, xRange: xRange,
            yRange: yFixed ?? yData, logarithmicY: logarithmicY, yTickLabel: tickLabel, scale: textScale)
        axes.drawFrame(
            on: &canvas, title: title, xLabel: xLabel, yLabel: yLabel + (logarithmicY ? " (log)" : ""),
            yTickLabel: tickLabel, scale: textScale)

        for (index, s) in series.enumerated() {
            let color = s.color ?? RGB.palette[index % RGB.palette.count]
            var previous: (x: Int, y: Int)?
            for p in s.points {
                guard p.x.isFinite, let y = transformed(p.y) else { previous = nil; continue }
                let point = (x: axes.px(p.x), y: axes.py(min(max(y, axes.yDomain.lowerBound), axes.yDomain.upperBound)))
                if let previous { canvas.drawLine(x0: previous.x, y0: previous.y, x1: point.x, y1: point.y, color, thickness: 2) }
                if s.points.count <= 40 { canvas.fillRect(x: point.x - 2, y: point.y - 2, width: 5, height: 5, color) }
                previous = point
            }
        }
        drawLegend(on: &canvas, axes: axes)
        return canvas.raster
    }

    private func drawLegend(on canvas: inout Canvas, axes: ChartAxes) {
        guard !series.isEmpty else { return }
        let s = textScale, line = BitmapFont.lineHeight * s
        let textWidth = series.map { BitmapFont.size(of: $0.name, scale: s).width }.max() ?? 0
        let boxWidth = textWidth + 24 * s, boxHeight = series.count * line + 6 * s
        let x = axes.plotLeft + axes.plotWidth - boxWidth - 6, y = axes.plotTop + 6
        canvas.fillRect(x: x, y: y, width: boxWidth, height: boxHeight, .white, alpha: 0.85)
        canvas.strokeRect(x: x, y: y, width: boxWidth, height: boxHeight, ChartAxes.grid.mixed(with: .black, 0.3))
        for (index, item) in series.enumerated() {
            let color = item.color ?? RGB.palette[index % RGB.palette.count]
            let rowY = y + 3 * s + index * line
            canvas.fillRect(x: x + 4 * s, y: rowY + 3 * s, width: 12 * s, height: max(2, s + 1), color)
            canvas.drawText(item.name, x: x + 20 * s, y: rowY, ChartAxes.ink, scale: s)
        }
    }
}
