import Imaging
import SeededRandom

/// Box plots of groups of values (e.g. Dice of repeated low-data runs per configuration), with the
/// points overlaid and optional significance brackets, as the paper's Figure 6.
/// Boxes span the quartiles (NumPy's linear percentiles), whiskers reach the most extreme values
/// within 1.5 IQR of the box (matplotlib's default), values beyond are drawn as open circles.
public struct BoxPlot: Sendable {
    public struct Group: Sendable {
        public var name: String
        public var values: [Double]
        public var color: RGB?

        public init(name: String, values: [Double], color: RGB? = nil) {
            self.name = name
            self.values = values
            self.color = color
        }
    }

    /// A bracket between two groups (indices into `groups`) labelled e.g. "p = 0.012".
    public struct Comparison: Sendable {
        public var first: Int
        public var second: Int
        public var label: String

        public init(first: Int, second: Int, label: String) {
            self.first = first
            self.second = second
            self.label = label
        }
    }

    public struct Summary: Equatable, Sendable {
        public let lowerQuartile, median, upperQuartile: Double
        public let lowerWhisker, upperWhisker: Double
        public let outliers: [Double]
        public let mean: Double
    }

    public var title: String
    public var yLabel: String
    public var groups: [Group]
    public var comparisons: [Comparison] = []
    public var width = 640
    public var height = 400
    public var textScale = 1
    public var showPoints = true

    public init(title: String, yLabel: String, groups: [Group], comparisons: [Comparison] = []) {
        self.title = title
        self.yLabel = yLabel
        self.groups = groups
        self.comparisons = comparisons
    }

    public static func summary(of raw: [Double]) -> Summary? {
        let values = raw.filter { $0.isFinite }
        guard !values.isEmpty else { return nil }
        let q1 = Statistics.percentile(values, 25), q3 = Statistics.percentile(values, 75)
        let reach = 1.5 * (q3 - q1)
        let inside = values.filter { $0 >= q1 - reach && $0 <= q3 + reach }
        return Summary(
            lowerQuartile: q1, median: Statistics.median(values), upperQuartile: q3,
            lowerWhisker: inside.min() ?? q1, upperWhisker: inside.max() ?? q3,
            outliers: values.filter { $0 < q1 - reach || $0 > q3 + reach }.sorted(),
            mean: Statistics.mean(values))
    }

    public func render() -> Raster {
        var canvas = Canvas(width: max(120, width), height: max(100, height), background: .white)
        let all = groups.flatMap(\.values).filter { $0.isFinite }
        var lo = all.min() ?? 0, hi = all.max() ?? 1
        // Leave headroom for the brackets above the data.
        let bracketSpace = Double(comparisons.count) * 0.08 * max(hi - lo, 1e-6)
        hi += bracketSpace
        if lo == hi { lo -= 0.5; hi += 0.5 }
        let count = max(1, groups.count)
        let line = BitmapFont.lineHeight * textScale
        let axes = ChartAxes(
            canvasWidth: canvas.width, canvasHeight: canvas.height, xRange: 0...Double(count),
            yRange: lo...hi, niceX: false, yTickLabel: Format.tick, scale: textScale, bottomExtra: line)
        axes.drawFrame(on: &canvas, title: title, xLabel: "", yLabel: yLabel, yTickLabel: Format.tick, scale: textScale)
        let slot = Double(axes.plotWidth) / Double(count)
        let boxWidth = max(6, Int(slot * 0.5))
        var generator = SplitMix64(seed: 7)
        var centres: [Int] = []
        for (index, group) in groups.enumerated() {
            let color = group.color ?? RGB.palette[index % RGB.palette.count]
            let centre = axes.plotLeft + Int((Double(index) + 0.5) * slot)
            centres.append(centre)
            let label = LabelFit.fit(group.name, width: Int(slot) - 4, scale: textScale)
            let labelWidth = BitmapFont.size(of: label, scale: textScale).width
            canvas.drawText(
                label, x: centre - labelWidth / 2, y: axes.plotTop + axes.plotHeight + 4 * textScale, ChartAxes.ink, scale: textScale)
            guard let s = Self.summary(of: group.values) else { continue }
            let left = centre - boxWidth / 2
            let top = axes.py(s.upperQuartile), bottom = axes.py(s.lowerQuartile)
            canvas.fillRect(x: left, y: top, width: boxWidth, height: max(1, bottom - top + 1), color.mixed(with: .white, 0.6))
            canvas.strokeRect(x: left, y: top, width: boxWidth, height: max(1, bottom - top + 1), color, thickness: 2)
            canvas.fillRect(x: left, y: axes.py(s.median) - 1, width: boxWidth, height: 3, color.mixed(with: .black, 0.4))
            canvas.drawLine(x0: centre, y0: top, x1: centre, y1: axes.py(s.upperWhisker), color, thickness: 2)
            canvas.drawLine(x0: centre, y0: bottom, x1: centre, y1: axes.py(s.lowerWhisker), color, thickness: 2)
            for whisker in [s.upperWhisker, s.lowerWhisker] {
                canvas.fillRect(x: centre - boxWidth / 4, y: axes.py(whisker) - 1, width: boxWidth / 2, height: 2, color)
            }
            for v in s.outliers { canvas.drawCircle(cx: Double(centre), cy: Double(axes.py(v)), radius: 3, color) }
            if showPoints {
                for v in group.values where v.isFinite && v >= s.lowerWhisker && v <= s.upperWhisker {
                    let jitter = Int((generator.unit() - 0.5) * Double(boxWidth) * 0.6)
                    canvas.drawCircle(
                        cx: Double(centre + jitter), cy: Double(axes.py(v)), radius: 2, ChartAxes.ink, filled: true, alpha: 0.6)
                }
            }
        }
        drawComparisons(on: &canvas, axes: axes, centres: centres, top: all.max() ?? hi, step: 0.08 * max(hi - lo - bracketSpace, 1e-6))
        return canvas.raster
    }

    private func drawComparisons(on canvas: inout Canvas, axes: ChartAxes, centres: [Int], top: Double, step: Double) {
        for (level, c) in comparisons.enumerated() where centres.indices.contains(c.first) && centres.indices.contains(c.second) {
            let y = axes.py(top + step * (Double(level) + 0.6))
            let x0 = centres[c.first], x1 = centres[c.second]
            canvas.drawLine(x0: x0, y0: y, x1: x1, y1: y, ChartAxes.ink)
            canvas.drawLine(x0: x0, y0: y, x1: x0, y1: y + 4, ChartAxes.ink)
            canvas.drawLine(x0: x1, y0: y, x1: x1, y1: y + 4, ChartAxes.ink)
            let size = BitmapFont.size(of: c.label, scale: textScale)
            canvas.drawText(
                c.label, x: (x0 + x1 - size.width) / 2, y: y - size.height - 2, ChartAxes.ink, scale: textScale,
                background: .white)
        }
    }
}

/// Shortens labels to a pixel width, with "..." when cut.
enum LabelFit {
    static func fit(_ text: String, width: Int, scale: Int) -> String {
        let maxChars = max(1, (width + scale) / (BitmapFont.advance * scale))
        guard text.count > maxChars else { return text }
        return maxChars > 3 ? String(text.prefix(maxChars - 3)) + "..." : String(text.prefix(maxChars))
    }
}
