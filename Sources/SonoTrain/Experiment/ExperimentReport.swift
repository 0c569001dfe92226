import Foundation
import Imaging
import SonoEval
import SonoModels
import SonoSupport

/// The files an experiment writes: Table 2 (Markdown, wide and long CSV), the rows as JSON for
/// resuming and re-rendering, low-data results, and a self-contained HTML report.
enum ExperimentReport {
    static let rowsFile = "table2.json"
    static let lowDataFile = "lowdata.json"

    static func table2(rows: [ExperimentRow], tasks: [ExperimentTaskSpec], comparisons: ExperimentComparisons? = nil) -> Table2 {
        let backbones = rows.map(\.backbone.rawValue).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let configurations = rows.map(\.configuration)
            .reduce(into: [PretrainingConfiguration]()) { if !$0.contains($1) { $0.append($1) } }
        var table = Table2(backbones: backbones, configurations: configurations, tasks: tasks.map(\.name))
        for row in rows {
            let configuration = row.configuration
            for task in tasks {
                if let cell = comparisons?.cell(backbone: row.backbone.rawValue, configuration: row.configuration, task: task.name) {
                    table.set(cell, backbone: row.backbone.rawValue, configuration: configuration, task: task.name)
                } else if let metric = row.results[task.name]?.metric(task.primaryMetric), metric.mean.isFinite {
                    table.set(
                        .estimate(mean: metric.mean, std: metric.std), backbone: row.backbone.rawValue, configuration: configuration,
                        task: task.name)
                } else if let note = row.note {
                    table.set(.note(note), backbone: row.backbone.rawValue, configuration: configuration, task: task.name)
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

    static func writeTable2(
        rows: [ExperimentRow], tasks: [ExperimentTaskSpec], to folder: URL,
        comparisons: ExperimentComparisons? = nil
    ) throws {
        let table = table2(rows: rows, tasks: tasks, comparisons: comparisons)
        var markdown = "# Table 2 (SonoTag)\n\n"
        if let comparisons {
            markdown += "\(comparisons.seeds) seed(s) per configuration. Metrics: \(metricNote(tasks)). \(ExperimentComparisons.legend)\n\n"
        } else {
            markdown += "Mean ± std over bootstrap resamples of 50 % of each test set. Metrics: \(metricNote(tasks)).\n\n"
        }
        markdown += table.markdown()
        if let comparisons {
            markdown += "\n**\(comparisons.verdict)**\n\n## Paired comparisons\n\n" + markdownTable(comparisons.table())
            try comparisons.table().write(to: folder.appendingPathComponent("comparisons.csv").path)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            try AtomicFile.write(try encoder.encode(comparisons), to: folder.appendingPathComponent(ExperimentComparisons.fileName))
        }
        markdown += "\n## The paper's Table 2 (Hu et al., for reference)\n\n" + paperTableMarkdown
        try AtomicFile.write(Data(markdown.utf8), to: folder.appendingPathComponent("table2.md"))
        try table.csv().write(to: folder.appendingPathComponent("table2.csv").path)
        try table.longCSV().write(to: folder.appendingPathComponent("table2_long.csv").path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(try encoder.encode(rows), to: folder.appendingPathComponent(rowsFile))
    }

    static func markdownTable(_ table: CSVTable) -> String {
        var lines = [
            "| " + table.header.joined(separator: " | ") + " |", "|" + table.header.map { _ in "---" }.joined(separator: "|") + "|"
        ]
        lines += table.rows.map { "| " + $0.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n") + "\n"
    }

    static func readRows(from folder: URL) throws -> [ExperimentRow] {
        try readJSON([ExperimentRow].self, file: rowsFile, in: folder)
    }

    static func readComparisons(from folder: URL) throws -> ExperimentComparisons {
        try readJSON(ExperimentComparisons.self, file: ExperimentComparisons.fileName, in: folder)
    }

    /// Reads a file this type wrote, with its spelling of non-finite numbers.
    private static func readJSON<Value: Decodable>(_ type: Value.Type, file: String, in folder: URL) throws -> Value {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(contentsOf: folder.appendingPathComponent(file)))
    }

    static func writeLowData(_ results: [LowDataResult], to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(try encoder.encode(results), to: folder.appendingPathComponent(lowDataFile))
        var markdown = "# Low-data regime\n\n"
        for result in results {
            markdown +=
                "## \(result.task) · \(result.backbone.rawValue) · \(Int((result.fraction * 100).rounded())) % of the training images\n\n"
            markdown += "| configuration | repeats | median \(result.metric) | scores |\n|---|---|---|---|\n"
            for (name, values) in result.scores.sorted(by: { $0.key < $1.key }) {
                let median = Statistics.percentile(values, 50)
                markdown +=
                    "| \(name) | \(values.count) | \(Format.fixed(median, 3)) | \(values.map { Format.fixed($0, 3) }.joined(separator: " ")) |\n"
            }
            markdown += "\n| comparison | median difference | Wilcoxon p | Holm p |\n|---|---|---|---|\n"
            for c in result.comparisons {
                markdown +=
                    "| \(c.first) vs \(c.second) | \(Format.fixed(c.medianDifference, 4)) | \(c.pValue.map(Format.pValue) ?? "n/a") | \(c.adjustedPValue.map(Format.pValue) ?? "n/a") |\n"
            }
            markdown += "\n"
        }
        try AtomicFile.write(Data(markdown.utf8), to: folder.appendingPathComponent("lowdata.md"))
    }

    /// `report.html`: everything inline (images as data URIs), so it can be mailed as one file.
    /// `studyTasks`: every task of the run for the opening "What was run" (default `tasks`).
    static func writeHTML(
        rows: [ExperimentRow], tasks: [ExperimentTaskSpec], layout: ExperimentLayout,
        lowData: [LowDataResult]?, comparisons: ExperimentComparisons? = nil,
        studyTasks: [ExperimentTaskSpec]? = nil, to folder: URL
    ) throws {
        var report = HTMLReport(
            title: "SonoTag experiment",
            subtitle: "Downstream results after pretraining with DICOM metadata (Hu et al., Table 2 and Figure 6)")
        ExperimentProvenance.add(to: &report, folder: folder, tasks: studyTasks ?? tasks, rows: rows, layout: layout)
        if !rows.isEmpty {
            report.heading("Table 2")
            if let comparisons {
                report.paragraph(
                    "\(comparisons.seeds) seed(s) per configuration. Metrics: \(metricNote(tasks)). \(ExperimentComparisons.legend) Bold: best mean per backbone and task."
                )
                report.table(table2(rows: rows, tasks: tasks, comparisons: comparisons))
                report.paragraph(comparisons.verdict)
                report.heading("Paired comparisons", level: 3)
                report.table(comparisons.table())
            } else {
                report.paragraph(
                    "Mean ± std over bootstrap resamples of 50 % of each test set, with replacement. Metrics: \(metricNote(tasks)). Bold: best configuration per backbone and task."
                )
                report.table(table2(rows: rows, tasks: tasks))
            }
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
                    table.append(
                        [row.backbone.rawValue, row.configuration.paperName, task.name, String(result.images)]
                            + names.map { result.metric($0)?.formatted ?? "" })
                }
            }
            report.table(header: header, rows: table)
            try addPretrainingCurves(&report, rows: rows, layout: layout)
            try addLossCurves(&report, rows: rows, tasks: tasks, layout: layout)
            try addInpaintingGrids(&report, rows: rows, layout: layout)
            try addOverlays(&report, rows: rows, tasks: tasks, layout: layout)
            addConfusionMatrices(&report, rows: rows, tasks: tasks)
        }
        if let lowData, !lowData.isEmpty {
            report.heading("Low-data regime (Figure 6)")
            for result in lowData {
                let order = PretrainingConfiguration.allCases.filter { result.scores[$0.rawValue] != nil }
                let groups = order.map { BoxPlot.Group(name: $0.paperName, values: result.scores[$0.rawValue] ?? []) }
                var comparisons: [BoxPlot.Comparison] = []
                for c in result.comparisons {
                    guard let a = order.firstIndex(where: { $0.rawValue == c.first }),
                        let b = order.firstIndex(where: { $0.rawValue == c.second })
                    else { continue }
                    comparisons.append(BoxPlot.Comparison(first: a, second: b, label: c.pValue.map { "p=" + Format.pValue($0) } ?? "n/a"))
                }
                let title = "\(result.task) · \(result.backbone.rawValue) · \(Int((result.fraction * 100).rounded())) % of training data"
                try report.chart(BoxPlot(title: title, yLabel: result.metric, groups: groups, comparisons: comparisons))
                report.table(
                    header: ["comparison", "median difference", "Wilcoxon signed-rank p", "Holm p"],
                    rows: result.comparisons.map {
                        [
                            "\($0.first) vs \($0.second)", Format.fixed($0.medianDifference, 4), $0.pValue.map(Format.pValue) ?? "n/a",
                            $0.adjustedPValue.map(Format.pValue) ?? "n/a"
                        ]
                    })
            }
        }
        try report.write(to: folder.appendingPathComponent("report.html").path)
    }

    static func addLossCurves(_ report: inout HTMLReport, rows: [ExperimentRow], tasks: [ExperimentTaskSpec], layout: ExperimentLayout)
        throws
    {
        report.heading("Fine-tuning loss curves")
        for backbone in rows.map(\.backbone).reduce(into: [Backbone](), { if !$0.contains($1) { $0.append($1) } }) {
            for task in tasks {
                var series: [LineChart.Series] = []
                for row in rows where row.backbone == backbone && row.results[task.name] != nil {
                    guard let run = row.results[task.name]?.run else { continue }
                    let metrics = FinetuneMetricsLog.read(FinetuneRunLayout(URL(fileURLWithPath: run)).metrics)
                    guard !metrics.isEmpty else { continue }
                    series.append(
                        LineChart.Series(
                            name: "\(row.configuration.paperName) val", points: metrics.map { (Double($0.epoch), $0.validation) }))
                }
                guard !series.isEmpty else { continue }
                try report.chart(
                    LineChart(
                        title: "\(task.name) · \(backbone.rawValue): validation loss", xLabel: "epoch", yLabel: "loss", series: series))
            }
        }
    }

    /// The last in-painting grid of each pretraining run (masked input | prediction | truth).
    static func addInpaintingGrids(_ report: inout HTMLReport, rows: [ExperimentRow], layout: ExperimentLayout) throws {
        var items: [(picture: Raster, caption: String)] = []
        var seen = Set<String>()
        for row in rows {
            guard let method = row.configuration.pretrainingMethod, seen.insert("\(row.backbone.rawValue)/\(method.rawValue)").inserted
            else { continue }
            let grids = pretrainRunOfFirstSeed(layout, backbone: row.backbone, method: method).appendingPathComponent("inpainting")
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: grids.path)) ?? []).filter { $0.hasSuffix(".png") }.sorted()
            guard let last = names.last, let picture = try? ImageFile.read(path: grids.appendingPathComponent(last).path) else { continue }
            items.append((picture, "\(row.backbone.rawValue) · \(method.rawValue) · \(last)"))
        }
        guard !items.isEmpty else { return }
        report.heading("In-painting during pretraining")
        report.paragraph(
            "Masked input | prediction | truth, from the last epoch of each pretraining run. Each row is a validation image chosen for one weak-label group, named first in its caption (\"any\": no group left to show)."
        )
        try report.gallery(items, thumbnailWidth: 480)
    }

    /// A single-seed experiment's run, or seed 0's of a multi-seed one.
    static func pretrainRunOfFirstSeed(_ layout: ExperimentLayout, backbone: Backbone, method: PretrainMethod) -> URL {
        layout.pretrainRun(backbone: backbone, method: method, seed: layout.sharedPretrainSeed(backbone: backbone, method: method))
    }

    /// Per-epoch curves of every pretraining run (seed 0): validation L_F, L_D on real and on
    /// fake centres, D's conditional signal and the adversarial share of the encoder's gradient.
    static func addPretrainingCurves(_ report: inout HTMLReport, rows: [ExperimentRow], layout: ExperimentLayout) throws {
        var runs: [(name: String, records: [[String: Double]])] = []
        var seen = Set<String>()
        for row in rows {
            guard let method = row.configuration.pretrainingMethod, seen.insert("\(row.backbone.rawValue)/\(method.rawValue)").inserted
            else { continue }
            let metrics = PretrainRunLayout(pretrainRunOfFirstSeed(layout, backbone: row.backbone, method: method)).metrics
            let records = PretrainMetricsLog.readEpochs(metrics)
            if !records.isEmpty { runs.append(("\(row.backbone.rawValue) \(method.rawValue)", records)) }
        }
        guard !runs.isEmpty else { return }
        report.heading("Pretraining, inside the method")
        report.paragraph(
            "Per epoch, on the validation split. L_D real / fake: the hinge terms on true and in-painted centres. "
                + "Conditional signal: share of real centres whose own labels score higher than another image's labels (0.5 = D ignores the labels). "
                + "Adversarial gradient share: ‖∇enc λ_adv·L_adv‖ / (‖∇enc λ_adv·L_adv‖ + ‖∇enc λ_rec·L_rec‖) on one fixed batch.")
        let charts: [(title: String, y: String, columns: [String])] = [
            ("validation L_F", "loss", ["val_loss_f"]),
            ("L_D on real and fake centres", "hinge", ["loss_d_real", "loss_d_fake"]),
            ("conditional signal (CE+DCM)", "share", ["cond_share"]),
            ("adversarial share of the encoder gradient", "share", ["adv_grad_share"]),
            ("DCM label accuracy", "accuracy", ["label_acc"])
        ]
        for chart in charts {
            var series: [LineChart.Series] = []
            for run in runs {
                for column in chart.columns {
                    let points = run.records.compactMap { r -> (x: Double, y: Double)? in
                        guard let e = r["epoch"], let v = r[column] else { return nil }
                        return (e, v)
                    }
                    if !points.isEmpty {
                        series.append(LineChart.Series(name: chart.columns.count > 1 ? "\(run.name) \(column)" : run.name, points: points))
                    }
                }
            }
            if !series.isEmpty { try report.chart(LineChart(title: chart.title, xLabel: "epoch", yLabel: chart.y, series: series)) }
        }
    }

    static func addOverlays(_ report: inout HTMLReport, rows: [ExperimentRow], tasks: [ExperimentTaskSpec], layout: ExperimentLayout) throws
    {
        let typical = overlayItems(rows: rows, tasks: tasks, worst: false)
        guard !typical.isEmpty else { return }
        report.heading("Segmentation overlays")
        report.paragraph("Prediction in red, truth outlined in green (test images).")
        try report.gallery(typical, thumbnailWidth: 256)
        let worst = overlayItems(rows: rows, tasks: tasks, worst: true)
        guard !worst.isEmpty else { return }
        report.heading("Worst cases", level: 3)
        report.paragraph("The lowest-Dice test images of each configuration (the Dice is in each picture's caption).")
        try report.gallery(worst, thumbnailWidth: 256)
    }

    /// Up to two overlays per segmentation task and configuration: the typical ones, or the worst.
    static func overlayItems(rows: [ExperimentRow], tasks: [ExperimentTaskSpec], worst: Bool) -> [(picture: Raster, caption: String)] {
        var items: [(picture: Raster, caption: String)] = []
        for task in tasks where task.kind == .segmentation {
            for row in rows {
                guard let result = row.results[task.name] else { continue }
                let folder = URL(fileURLWithPath: result.run).appendingPathComponent("evaluation")
                for name in result.overlays.filter({ $0.hasPrefix(Evaluation.worstOverlayPrefix) == worst }).prefix(2) {
                    if let picture = try? ImageFile.read(path: folder.appendingPathComponent(name).path) {
                        items.append(
                            (
                                picture,
                                "\(task.name) · \(row.backbone.rawValue) · \(row.configuration.paperName)" + (worst ? " · worst" : "")
                            ))
                    }
                }
            }
        }
        return items
    }
}

extension ExperimentReport {
    /// Per classification task and configuration, the test set's confusion matrix (rows: true
    /// class, columns: predicted; class indices as in the run's labels.json), read back from the
    /// evaluation's per_image.csv so it is exactly what the metrics were computed from.
    static func addConfusionMatrices(_ report: inout HTMLReport, rows: [ExperimentRow], tasks: [ExperimentTaskSpec]) {
        let classification = tasks.filter { $0.kind == .classification }
        guard !classification.isEmpty else { return }
        report.heading("Confusion matrices")
        for task in classification {
            for row in rows {
                guard let result = row.results[task.name] else { continue }
                let path = URL(fileURLWithPath: result.run).appendingPathComponent("evaluation/per_image.csv").path
                let title =
                    "\(task.name) · \(row.backbone.rawValue) · \(row.configuration.paperName) (rows: true class, columns: predicted)"
                guard let pairs = try? classPairs(CSVTable.read(path: path)), !pairs.isEmpty else {
                    report.paragraph("\(title): no per-image predictions in \(path).")
                    continue
                }
                let k = (pairs.map { max($0.truth, $0.predicted) }.max() ?? 0) + 1
                let matrix = ClassificationMetrics.confusionMatrix(
                    predicted: pairs.map(\.predicted), truth: pairs.map(\.truth), classCount: k)
                report.table(
                    header: ["true \\ predicted"] + (0..<k).map(String.init),
                    rows: matrix.enumerated().map { [String($0.offset)] + $0.element.map(String.init) }, caption: title)
            }
        }
    }

    /// (truth, predicted) class indices of a classification per_image.csv; nil when it is not one.
    static func classPairs(_ table: CSVTable) -> [(truth: Int, predicted: Int)]? {
        guard let t = table.header.firstIndex(of: "truth"), let p = table.header.firstIndex(of: "predicted") else { return nil }
        return table.rows.compactMap { row in
            guard row.count > max(t, p), let truth = Int(row[t]), let predicted = Int(row[p]) else { return nil }
            return (truth, predicted)
        }
    }
}

enum ExperimentStatistics {
    /// Two-sided paired Wilcoxon signed-rank p-value (SciPy's defaults); nil when undefined.
    static func wilcoxonSignedRankP(_ x: [Double], _ y: [Double]) -> Double? {
        guard let result = try? Wilcoxon.signedRank(x, y), result.pValue.isFinite else { return nil }
        return result.pValue
    }
}
