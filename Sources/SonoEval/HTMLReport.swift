import Foundation
import Imaging
import SonoSupport

/// A self-contained HTML page: inline CSS, images embedded as base64 PNG data URIs, no scripts
/// and no external links, so a report can be mailed or archived as one file.
public struct HTMLReport: Sendable {
    public var title: String
    private var parts: [String] = []

    public init(title: String, subtitle: String? = nil) {
        self.title = title
        if let subtitle { parts.append("<p class=\"subtitle\">\(TextEscaping.html(subtitle))</p>") }
    }

    public mutating func heading(_ text: String, level: Int = 2) {
        let h = min(6, max(2, level))
        parts.append("<h\(h)>\(TextEscaping.html(text))</h\(h)>")
    }

    public mutating func paragraph(_ text: String) {
        parts.append("<p>\(TextEscaping.html(text))</p>")
    }

    public mutating func preformatted(_ text: String) {
        parts.append("<pre>\(TextEscaping.html(text))</pre>")
    }

    public mutating func table(header: [String], rows: [[String]], caption: String? = nil) {
        var html = "<table>"
        if let caption { html += "<caption>\(TextEscaping.html(caption))</caption>" }
        html += "<thead><tr>" + header.map { "<th>\(TextEscaping.html($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>" + row.map { "<td>\(TextEscaping.html($0))</td>" }.joined() + "</tr>"
        }
        parts.append(html + "</tbody></table>")
    }

    public mutating func table(_ csv: CSVTable, caption: String? = nil) {
        table(header: csv.header, rows: csv.rows, caption: caption)
    }

    /// Table 2 with our best configuration per backbone and task in bold and the paper's columns shaded.
    public mutating func table(_ table2: Table2, caption: String? = nil) {
        let (header, rows) = table2.grid(footnoted: true)
        let ours = table2.tasks.count
        var html = "<table class=\"table2\">"
        if let caption { html += "<caption>\(TextEscaping.html(caption))</caption>" }
        html +=
            "<thead><tr>"
            + header.enumerated().map { i, h in
                "<th\(i >= 2 + ours ? " class=\"paper\"" : "")>\(TextEscaping.html(h))</th>"
            }.joined() + "</tr></thead><tbody>"
        var index = 0
        for backbone in table2.backbones {
            for configuration in table2.configurations {
                html += "<tr>"
                for (i, value) in rows[index].enumerated() {
                    var classes: [String] = []
                    if i >= 2 + ours { classes.append("paper") }
                    if i >= 2, i < 2 + ours, table2.isBest(backbone: backbone, configuration: configuration, task: table2.tasks[i - 2]) {
                        classes.append("best")
                    }
                    let attribute = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
                    html += "<td\(attribute)>\(TextEscaping.html(value))</td>"
                }
                html += "</tr>"
                index += 1
            }
        }
        html += "</tbody></table>"
        for (k, note) in table2.footnotes.enumerated() {
            html += "<p class=\"footnote\">(\(k + 1)) \(TextEscaping.html(note))</p>"
        }
        parts.append(html)
    }

    /// One embedded image with an optional caption; `displayWidth` limits its on-page width.
    public mutating func image(_ raster: Raster, caption: String? = nil, alt: String = "", displayWidth: Int? = nil) throws {
        let width = displayWidth.map { " style=\"max-width:\($0)px\"" } ?? ""
        var html =
            "<figure><img alt=\"\(TextEscaping.html(alt.isEmpty ? (caption ?? "figure") : alt))\"\(width) src=\"\(try Self.dataURI(raster))\">"
        if let caption { html += "<figcaption>\(TextEscaping.html(caption))</figcaption>" }
        parts.append(html + "</figure>")
    }

    /// Images side by side, wrapping, each with a caption.
    public mutating func gallery(_ items: [(picture: Raster, caption: String)], thumbnailWidth: Int = 256) throws {
        var html = "<div class=\"gallery\">"
        for item in items {
            html +=
                "<figure><img alt=\"\(TextEscaping.html(item.caption))\" style=\"width:\(thumbnailWidth)px\" src=\"\(try Self.dataURI(item.picture))\">"
            html += "<figcaption>\(TextEscaping.html(item.caption))</figcaption></figure>"
        }
        parts.append(html + "</div>")
    }

    public mutating func chart(_ chart: LineChart, caption: String? = nil) throws {
        try image(chart.render(), caption: caption, alt: chart.title)
    }

    public mutating func chart(_ plot: BoxPlot, caption: String? = nil) throws {
        try image(plot.render(), caption: caption, alt: plot.title)
    }

    public func html() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>\(TextEscaping.html(title))</title>
        <style>\(Self.style)</style>
        </head><body>
        <h1>\(TextEscaping.html(title))</h1>
        \(parts.joined(separator: "\n"))
        </body></html>

        """
    }

    public func write(to path: String) throws {
        do {
            try AtomicFile.write(html(), to: URL(fileURLWithPath: path), creatingFolder: true)
        } catch let error as AtomicFile.WriteError {
            throw EvaluationError.writeFailed(path: path, reason: error.reason)
        }
    }

    static func dataURI(_ raster: Raster) throws -> String {
        "data:image/png;base64," + Data(try PNG.encode(raster)).base64EncodedString()
    }

    static let style = """
        body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
        h1{font-size:1.6em;border-bottom:2px solid #ddd;padding-bottom:.3em}h2{font-size:1.3em;margin-top:1.6em}
        .subtitle{color:#666;margin-top:-.6em}
        table{border-collapse:collapse;margin:1em 0;font-size:.9em;display:block;max-width:100%;overflow-x:auto}caption{text-align:left;font-weight:600;padding:.3em 0}
        th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right;white-space:nowrap}
        th{background:#f3f3f3}td:first-child,td:nth-child(2),th:first-child,th:nth-child(2){text-align:left}
        td.best{font-weight:700}.paper{background:#f7f7fb;color:#555}
        figure{display:inline-block;margin:.5em;vertical-align:top}figcaption{font-size:.85em;color:#555;max-width:100%}
        img{image-rendering:pixelated;border:1px solid #ddd;max-width:100%}
        .gallery{display:flex;flex-wrap:wrap}pre{background:#f6f6f6;padding:.6em;overflow-x:auto}
        """
}
