import Foundation

/// Locale-independent number formatting for tables, CSV and chart labels.
public enum Format {
    /// `value` with exactly `decimals` digits after the point; "nan"/"inf" spelled out.
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        return String(format: "%.\(max(0, decimals))f", value)
    }

    /// A short label for an axis tick: no trailing zeros, exponent form for extremes.
    public static func tick(_ value: Double) -> String {
        guard value.isFinite else { return fixed(value, 0) }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.1e", value) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// A p-value as papers print it: "p < 0.001" or "p = 0.034".
    public static func pValue(_ p: Double) -> String {
        guard !p.isNaN else { return "p = n/a" }
        return p < 0.001 ? "p < 0.001" : "p = \(fixed(p, 3))"
    }
}
