import Foundation
import Imaging
import SonoEval
import SonoModels

/// The files an experiment writes: Table 2 (Markdown, wide and long CSV), the rows as JSON for
/// resuming and re-rendering, low-data results, and a self-contained HTML report.
enum ExperimentReport {
    static let rowsFile = "table2.json"
    static let lowDataFile = "lowdata.json"

    static func table2(rows: [ExperimentRow], tasks: [ExperimentTaskSpec]) -> Table2 {
        let backbones = rows.map(\.backbone.rawValue).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let configurations = rows.map(\.configuration)
            .reduce(into: [PretrainingConfiguration]()) { if !$0.contains($1) { $0.append($1) } }
        var table = Table2(backbones: backbones, configurations: configurations, tasks: tasks.map(\.name))
        for row in rows {
            let configuration = row.configuration
            for task in tasks {
                if let metric = row.results[task.name]?.metric(task.primaryMetric), metric.mean.isFinite {
                    table.set(.estimate(mean: metric.mean, std: metric.std), backbone: row.backbone.rawValue, configuration: configuration, task: task.name)
                } else if let note = row.note {
                    table.set(.note("n/a: \(note)"), backbone: row.backbone.rawValue, configuration: configuration, task: task.name)
                }
            }
        }
        return table
    }

    /// The paper's own table, for reference when our backbones are not the paper's.
    static var paperTable: Table2? {
        guard let paper = ReportedTable2.paper else { return nil }
        var table = Table2(backbones: ["VGG16-BN", "RESNET50"], tasks: paper.tasks)
        table.reported = nil
        for backbone in table.backbones {
            for configuration in PretrainingConfiguration.allCases {
                for task in paper.tasks {
                    if let cell = paper.cell(backbone: backbone, configuration: configuration, task: task) {
                        table.set(cell, backbone: backbone, configuration: configuration, task: task)
                    }
                }
            }
        }
        return table
    }

    static var paperTableMarkdown: String { paperTable?.markdown() ?? "" }

    static func metricNote(_ tasks: [ExperimentTaskSpec]) -> String {
        tasks.map { "\($0.name): \($0.primaryMetric)" }.joined(separator: ", ")
    }

    static func writeTable2(rows: [ExperimentRow], tasks: [ExperimentTaskSpec], to folder: URL) throws {
        let table = table2(rows: rows, tasks: tasks)
        var markdown = "# Table 2 (SonoTag)\n\nMean ± std over bootstrap resamples of 50 % of each test set. Metrics: \(metricNote(tasks)).\n\n"
        markdown += table.markdown()
        markdown += "\n## The paper's Table 2 (Hu et al., for reference)\n\n" + paperTableMarkdown
        try FinetuneFiles.atomicWrite(Data(markdown.utf8), to: folder.appendingPathComponent("table2.md"))
        try table.csv().write(to: folder.appendingPathComponent("table2.csv").path)
        try table.longCSV().write(to: folder.appendingPathComponent("table2_long.csv").path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try FinetuneFiles.atomicWrite(try encoder.encode(rows), to: folder.appendingPathComponent(rowsFile))
    }

    static func readRows(from folder: URL) throws -> [ExperimentRow] {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode([ExperimentRow].self, from: Data(contentsOf: folder.appendingPathComponent(rowsFile)))
    }

    static func writeLowData(_ results: [LowDataResult], to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try FinetuneFiles.atomicWrite(try encoder.encode(results), to: folder.appendingPathComponent(lowDataFile))
        var markdown = "# Low-data regime\n\n"
        for result in results {
            markdown += "## \(result.task) · \(result.backbone.rawValue) · \(Int((result.fraction * 100).rounded())) % of the training images\n\n"
            markdown += "| configuration | repeats | median \(result.metric) | scores |\n|---|---|---|---|\n"
            for (name, values) in result.scores.sorted(by: { $0.key < $1.key }) {
                let median = Statistics.percentile(values, 50)
                markdown += "| \(name) | \(values.count) | \(Format.fixed(median, 3)) | \(values.map { Format.fixed($0, 3) }.joined(separator: " ")) |\n"
            }
            markdown += "\n| comparison | median difference | Wilcoxon p |\n|---|---|---|\n"
            for c in result.comparisons {
                markdown += "| \(c.first) vs \(c.second) | \(Format.fixed(c.medianDifference, 4)) | \(c.pValue.map(Format.pValue) ?? "n/a") |\n"
            }
            markdown += "\n"
        }
        try FinetuneFiles.atomicWrite(Data(markdown.utf8), to: folder.appendingPathComponent("lowdata.md"))
    }

    /// `report.html`: everything inline (images as data URIs), so it can be mailed as one file.
    static func writeHTML(rows: [ExperimentRow], tasks: [ExperimentTaskSpec], layout: ExperimentLayout,
                          lowData: [LowDataResult]?, to folder: URL) throws {
        var report = HTMLReport(title: "SonoTag experiment", subtitle: "Downstream results after pretraining with DICOM metadata (Hu et al., Table 2 and Figure 6)")
        if !rows.isEmpty {
            report.heading("Table 2")
            report.paragraph("Mean ± std over bootstrap resamples of 50 % of each test set, with replacement. Metrics: \(metricNote(tasks)). Bold: best configuration per backbone and task.")
            report.table(table2(rows: rows, tasks: tasks))
            report.heading("The paper's Table 2", level: 3)
            if let table = paperTable {
                report.table(table, caption: "Reported by Hu et al. (quality: ordinal view score; the others: Dice)")
            }
            report.heading("All metrics")
            var header = ["backbone", "pretraining", "task", "images"]
            let names = rows.flatMap { $0.results.values.flatMap { $0.metrics.map(\.name) } }
                .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            header += names
            var table: [[String]] = []
            for row in rows {
                for task in tasks {
                    guard let result = row.results[task.name] else { continue }
                    table.append([row.backbone.rawValue, row.configuration.paperName, task.name, String(result.images)]
                                 + names.map { result.metric($0)?.formatted ?? "" })
                }
            }
            report.table(header: header, rows: table)
            try addLossCurves(&report, rows: rows, tasks: tasks, layout: layout)
            try addInpaintingGrids(&report, rows: rows, layout: layout)
            try addOverlays(&report, rows: rows, tasks: tasks, layout: layout)
        }
        if let lowData, !lowData.isEmpty {
            report.heading("Low-data regime (Figure 6)")
            for result in lowData {
                let order = PretrainingConfiguration.allCases.filter { result.scores[$0.rawValue] != nil }
                let groups = order.map { BoxPlot.Group(name: $0.paperName, values: result.scores[$0.rawValue] ?? []) }
                var comparisons: [BoxPlot.Comparison] = []
                for c in result.comparisons {
                    guard let a = order.firstIndex(where: { $0.rawValue == c.first }), let b = order.firstIndex(where: { $0.rawValue == c.second }) else { continue }
                    comparisons.append(BoxPlot.Comparison(first: a, second: b, label: c.pValue.map { "p=" + Format.pValue($0) } ?? "n/a"))
                }
                let title = "\(result.task) · \(result.backbone.rawValue) · \(Int((result.fraction * 100).rounded())) % of training data"
                try report.chart(BoxPlot(title: title, yLabel: result.metric, groups: groups, comparisons: comparisons))
                report.table(header: ["comparison", "median difference", "Wilcoxon signed-rank p"], rows: result.comparisons.map {
                    ["\($0.first) vs \($0.second)", Format.fixed($0.medianDifference, 4), $0.pValue.map(Format.pValue) ?? "n/a"]
                })
            }
        }
        try report.write(to: folder.appendingPathComponent("report.html").path)
    }

    static func addLossCurves(_ report: inout HTMLReport, rows: [ExperimentRow], tasks: [ExperimentTaskSpec], layout: ExperimentLayout) throws {
        report.heading("Fine-tuning loss curves")
        for backbone in rows.map(\.backbone).reduce(into: [Backbone](), { if !$0.contains($1) { $0.append($1) } }) {
            for task in tasks {
                var series: [LineChart.Series] = []
                for row in rows where row.backbone == backbone && row.results[task.name] != nil {
                    let metrics = FinetuneMetricsLog.read(FinetuneRunLayout(layout.finetuneRun(backbone: backbone, config: row.configuration, task: task.name)).metrics)
                    guard !metrics.isEmpty else { continue }
                    series.append(LineChart.Series(name: "\(row.configuration.paperName) val", points: metrics.map { (Double($0.epoch), $0.validation) }))
                }
                guard !series.isEmpty else { continue }
                try report.chart(LineChart(title: "\(task.name) · \(backbone.rawValue): validation loss", xLabel: "epoch", yLabel: "loss", series: series))
            }
        }
    }

    /// The last in-painting grid of each pretraining run (masked input | prediction | truth).
    static func addInpaintingGrids(_ report: inout HTMLReport, rows: [ExperimentRow], layout: ExperimentLayout) throws {
        var items: [(picture: Raster, caption: String)] = []
        var seen = Set<String>()
        for row in rows {
            guard let method = row.configuration.pretrainingMethod, seen.insert("\(row.backbone.rawValue)/\(method.rawValue)").inserted else { continue }
            let grids = layout.pretrainRun(backbone: row.backbone, method: method).appendingPathComponent("inpainting")
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: grids.path)) ?? []).filter { $0.hasSuffix(".png") }.sorted()
            guard let last = names.last, let picture = try? ImageFile.read(path: grids.appendingPathComponent(last).path) else { continue }
            items.append((picture, "\(row.backbone.rawValue) · \(method.rawValue) · \(last)"))
        }
        guard !items.isEmpty else { return }
        report.heading("In-painting during pretraining")
        report.paragraph("Masked input | prediction | truth, from the last epoch of each pretraining run.")
        try report.gallery(items, thumbnailWidth: 480)
    }

    static func addOverlays(_ report: inout HTMLReport, rows: [ExperimentRow], tasks: [ExperimentTaskSpec], layout: ExperimentLayout) throws {
        var items: [(picture: Raster, caption: String)] = []
        for task in tasks where task.kind == .segmentation {
            for row in rows {
                guard let result = row.results[task.name] else { continue }
                let folder = layout.finetuneRun(backbone: row.backbone, config: row.configuration, task: task.name).appendingPathComponent("evaluation")
                for name in result.overlays.prefix(2) {
                    if let picture = try? ImageFile.read(path: folder.appendingPathComponent(name).path) {
                        items.append((picture, "\(task.name) · \(row.backbone.rawValue) · \(row.configuration.paperName)"))
                    }
                }
            }
        }
        guard !items.isEmpty else { return }
        report.heading("Segmentation overlays")
        report.paragraph("Prediction in red, truth outlined in green (test images).")
        try report.gallery(items, thumbnailWidth: 256)
    }
}

enum ExperimentStatistics {
    /// Two-sided paired Wilcoxon signed-rank p-value (SciPy's defaults); nil when undefined.
    static func wilcoxonSignedRankP(_ x: [Double], _ y: [Double]) -> Double? {
        guard let result = try? Wilcoxon.signedRank(x, y), result.pValue.isFinite else { return nil }
        return result.pValue
    }
}
