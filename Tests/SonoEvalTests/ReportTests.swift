import Foundation
import Imaging
import SonoSupport
import TestSupport
import XCTest

@testable import SonoEval

final class ReportTests: XCTestCase {
    func testEmbeddedPaperTableMatchesPaperCSV() throws {
        let path = try TestData.committed("paper/table2_reported.csv").path
        let onDisk = try ReportedTable2.load(path: path)
        let embedded = try XCTUnwrap(ReportedTable2.paper)
        XCTAssertEqual(onDisk.tasks, embedded.tasks)
        for backbone in ["VGG16-BN", "RESNET50"] {
            for configuration in PretrainingConfiguration.allCases {
                for task in onDisk.tasks {
                    XCTAssertEqual(
                        onDisk.cell(backbone: backbone, configuration: configuration, task: task),
                        embedded.cell(backbone: backbone, configuration: configuration, task: task))
                    XCTAssertNotNil(embedded.cell(backbone: backbone, configuration: configuration, task: task))
                }
            }
        }
        XCTAssertEqual(embedded.cell(backbone: "vgg16bn", configuration: .ceDCM, task: "thyroid_dice"), .estimate(mean: 0.883, std: 0.010))
    }

    func testTable2MarkdownAndCSV() throws {
        var table = Table2(
            backbones: ["vgg16bn"], configurations: [.baseline, .imagenet, .ceDCM], tasks: ["liver_kidney_dice", "hc18_dice"])
        table.set(.estimate(mean: 0.8012, std: 0.0113), backbone: "vgg16bn", configuration: .baseline, task: "liver_kidney_dice")
        table.set(.estimate(mean: 0.84, std: 0.009), backbone: "vgg16bn", configuration: .ceDCM, task: "liver_kidney_dice")
        table.set(.note("no ImageNet weights"), backbone: "vgg16bn", configuration: .imagenet, task: "liver_kidney_dice")
        let markdown = table.markdown()
        XCTAssertTrue(
            markdown.contains(
                "| backbone | pretraining | liver_kidney_dice | hc18_dice | paper: quality | paper: liver_kidney_dice | paper: thyroid_dice |"
            ), markdown)
        XCTAssertTrue(
            markdown.contains("| vgg16bn | Baseline | 0.801 ± 0.011 |  | 0.558 ± 0.031 | 0.801 ± 0.011 | 0.856 ± 0.012 |"), markdown)
        XCTAssertTrue(markdown.contains("| vgg16bn | CE+DCM | **0.840 ± 0.009** |"), markdown)
        XCTAssertTrue(markdown.contains("| vgg16bn | ImageNet | n/a (1) |"), markdown)
        XCTAssertTrue(markdown.contains("\n(1) no ImageNet weights\n"), markdown)

        let csv = try CSVTable.parse(table.csv().text)
        XCTAssertEqual(csv.rows.count, 3)
        XCTAssertEqual(csv.rows[0][2], "0.801 ± 0.011")
        XCTAssertEqual(csv.rows[1][2], "n/a: no ImageNet weights", "the CSV keeps the reason in the cell")
        let long = table.longCSV()
        XCTAssertTrue(long.rows.contains(["vgg16bn", "CE+DCM", "liver_kidney_dice", "sonotag", "0.840000", "0.009000", ""]))
        XCTAssertTrue(long.rows.contains(["vgg16bn", "CE+DCM", "thyroid_dice", "paper", "0.883", "0.010", ""]))
        XCTAssertEqual(PretrainingConfiguration(name: "ce+dcm+f"), .ceDCMFrozen)
        XCTAssertNil(PretrainingConfiguration(name: "simclr"))
    }

    /// An absent row states its reason once, below the table, in Markdown and HTML alike.
    func testAbsentRowIsOneFootnote() throws {
        let tasks = ["quality", "liver_kidney", "thyroid"]
        var table = Table2(backbones: ["resnet18"], configurations: [.baseline, .imagenet, .ceDCM], tasks: tasks)
        table.reported = nil
        let reason = "no ImageNet weights given for resnet18 (pass --imagenet resnet18=PATH.safetensors)"
        for task in tasks {
            table.set(.estimate(mean: 0.5, std: 0.01), backbone: "resnet18", configuration: .baseline, task: task)
            table.set(.note(reason), backbone: "resnet18", configuration: .imagenet, task: task)
            table.set(.note("pretraining failed: out of memory"), backbone: "resnet18", configuration: .ceDCM, task: task)
        }
        table.set(.note("n/a"), backbone: "resnet18", configuration: .ceDCM, task: "thyroid")
        XCTAssertEqual(table.footnotes, [reason, "pretraining failed: out of memory"])
        let markdown = table.markdown()
        XCTAssertEqual(markdown.components(separatedBy: reason).count - 1, 1, markdown)
        XCTAssertTrue(markdown.contains("| resnet18 | ImageNet | n/a (1) | n/a (1) | n/a (1) |"), markdown)
        XCTAssertTrue(markdown.contains("| resnet18 | CE+DCM | n/a (2) | n/a (2) | n/a |"), markdown)
        XCTAssertTrue(markdown.contains("(2) pretraining failed: out of memory"), markdown)
        var report = HTMLReport(title: "t")
        report.table(table)
        let html = report.html()
        XCTAssertEqual(html.components(separatedBy: "no ImageNet weights given").count - 1, 1)
        XCTAssertTrue(html.contains("<p class=\"footnote\">(1) no ImageNet weights given"), html)
    }

    func testCSVQuotingRoundTrip() throws {
        var table = CSVTable(header: ["id", "note"])
        table.append(["a,b", "say \"hi\"\nnext line"])
        table.append(["plain", ""])
        XCTAssertEqual(table.text, "id,note\n\"a,b\",\"say \"\"hi\"\"\nnext line\"\nplain,\n")
        XCTAssertEqual(try CSVTable.parse(table.text), table)
        XCTAssertThrowsError(try CSVTable.parse("a,b\n\"open", source: "bad.csv")) { error in
            XCTAssertTrue("\(error)".contains("bad.csv"))
        }
    }

    func testPerImageCSV() throws {
        let truth = try BinaryMask(width: 2, height: 2, bits: [true, true, false, false])
        let prediction = try BinaryMask(width: 2, height: 2, bits: [true, false, false, false])
        let record = try SegmentationRecord(id: "img-1", prediction: prediction, truth: truth, spacing: (1, 1))
        XCTAssertEqual(record.dice, 2.0 / 3, accuracy: 1e-12)
        // Surface distances pooled: prediction→truth [0], truth→prediction [0, 1]; 95th percentile 0.9.
        XCTAssertEqual(
            SegmentationRecord.csv([record]).text,
            "id,dice,iou,hausdorff95,truth_area,predicted_area\nimg-1,0.666667,0.500000,0.9000,2,1\n")
        let cls = ClassificationRecord(id: "x", truth: 2, predicted: 1, scores: [0.9, 0.4])
        XCTAssertEqual(ClassificationRecord.csv([cls]).text, "id,truth,predicted,score_0,score_1\nx,2,1,0.900000,0.400000\n")
    }

    func testClassificationSummaryMetrics() throws {
        let records = [
            ClassificationRecord(id: "a", truth: 0, predicted: 0, scores: [0.1, 0.0]),
            ClassificationRecord(id: "b", truth: 1, predicted: 1, scores: [0.8, 0.3]),
            ClassificationRecord(id: "c", truth: 2, predicted: 2, scores: [0.9, 0.9]),
            ClassificationRecord(id: "d", truth: 2, predicted: 1, scores: [0.7, 0.4])
        ]
        let metrics = Dictionary(
            uniqueKeysWithValues: ClassificationRecord.metrics(classCount: 3, scores: .cumulative).map { ($0.name, $0.metric(records)) })
        XCTAssertEqual(metrics["accuracy"], 0.75)
        XCTAssertEqual(try XCTUnwrap(metrics["auc"]), 1, accuracy: 1e-12)  // ≥1: 0.8, 0.9, 0.7 vs 0.1; ≥2: 0.9, 0.4 vs 0.0, 0.3
        XCTAssertNotNil(metrics["kappa"])
    }

    func testBoxPlotSummaryMatchesNumPyQuartiles() throws {
        // np.percentile([1..9, 100], [25, 50, 75]) = 3.25, 5.5, 7.75; fence 7.75 + 1.5 · 4.5 = 14.5.
        let s = try XCTUnwrap(BoxPlot.summary(of: [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]))
        XCTAssertEqual(s.lowerQuartile, 3.25)
        XCTAssertEqual(s.median, 5.5)
        XCTAssertEqual(s.upperQuartile, 7.75)
        XCTAssertEqual(s.upperWhisker, 9)
        XCTAssertEqual(s.lowerWhisker, 1)
        XCTAssertEqual(s.outliers, [100])
        XCTAssertNil(BoxPlot.summary(of: [.nan]))
    }

    func testChartsDrawTheirSeries() {
        var chart = LineChart(
            title: "Loss", xLabel: "epoch", yLabel: "loss",
            series: [
                .init(name: "train", values: [1.0, 0.6, 0.4, 0.35, .nan, 0.3], color: RGB(255, 0, 0)),
                .init(name: "val", values: [1.1, 0.8, 0.7, 0.69, 0.7, 0.72], color: RGB(0, 0, 255))
            ])
        chart.logarithmicY = true
        let raster = chart.render()
        XCTAssertEqual([raster.width, raster.height, raster.channels], [640, 400, 3])
        let red = stride(from: 0, to: raster.pixels.count, by: 3).filter {
            raster.pixels[$0] == 255 && raster.pixels[$0 + 1] == 0 && raster.pixels[$0 + 2] == 0
        }.count
        XCTAssertGreaterThan(red, 200)
        // Degenerate inputs render without trapping.
        _ = LineChart(title: "empty", xLabel: "", yLabel: "", series: []).render()
        _ = LineChart(title: "flat", xLabel: "", yLabel: "", series: [.init(name: "c", values: [2, 2, 2])]).render()
        let box = BoxPlot(
            title: "Dice, 5 % data", yLabel: "Dice",
            groups: [
                .init(name: "Baseline", values: [0.61, 0.65, 0.58, 0.7, 0.66]),
                .init(name: "CE", values: [0.7, 0.72, 0.69, 0.75, 0.71]),
                .init(name: "CE+DCM", values: [0.74, 0.78, 0.76, 0.73, 0.77])
            ], comparisons: [.init(first: 0, second: 2, label: Format.pValue(0.0312))]
        ).render()
        XCTAssertEqual(box.width, 640)
    }

    func testOverlayMarksTruthAndPrediction() throws {
        var truth = BinaryMask(width: 20, height: 20), prediction = BinaryMask(width: 20, height: 20)
        for y in 5..<15 { for x in 5..<15 { truth[x, y] = true } }
        for y in 8..<18 { for x in 8..<18 { prediction[x, y] = true } }
        let image = GrayImage(width: 20, height: 20, fill: 0.5)
        let raster = try SegmentationOverlay.render(image: image, prediction: prediction, truth: truth, scale: 2, caption: "Dice 0.49")
        XCTAssertEqual(raster.width, 40)
        XCTAssertEqual(raster.height, 40 + BitmapFont.lineHeight + 4)
        let canvas = Canvas(raster)
        XCTAssertEqual(canvas.color(x: 2 * 5, y: 2 * 12), SegmentationOverlay.truthColor)  // truth's left edge
        XCTAssertEqual(canvas.color(x: 2 * 17 + 1, y: 2 * 12), SegmentationOverlay.predictionColor)  // prediction's right edge
        XCTAssertThrowsError(try SegmentationOverlay.render(image: GrayImage(width: 3, height: 3), prediction: prediction, truth: nil))
    }

    func testHTMLReportIsSelfContained() throws {
        var table = Table2(backbones: ["resnet50"], tasks: ["quality"])
        table.set(.estimate(mean: 0.7, std: 0.02), backbone: "resnet50", configuration: .ce, task: "quality")
        var report = HTMLReport(title: "SonoTag <demo>", subtitle: "tiny run")
        report.heading("Table 2")
        report.table(table, caption: "Downstream results")
        try report.chart(LineChart(title: "loss", xLabel: "epoch", yLabel: "L", series: [.init(name: "train", values: [3, 2, 1])]))
        let tile = Raster(width: 8, height: 6, channels: 1, fill: [200])
        try report.gallery([(tile, "in-painting 1"), (tile, "in-painting 2")])
        report.paragraph("see https://example.org & more")

        let dir = try temporaryFolder("report")
        let path = dir.appendingPathComponent("sub/report.html").path
        try report.write(to: path)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(html.contains("<title>SonoTag &lt;demo&gt;</title>"))
        XCTAssertTrue(html.contains("<td>0.700 ± 0.020</td>"))
        XCTAssertTrue(html.contains("<th class=\"paper\">paper: quality</th>"))
        XCTAssertTrue(html.contains("&amp; more"))
        // Every image is an embedded PNG that decodes; nothing is fetched from elsewhere.
        let sources = html.components(separatedBy: "src=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        XCTAssertEqual(sources.count, 3)
        for source in sources {
            XCTAssertTrue(source.hasPrefix("data:image/png;base64,"))
            let data = try XCTUnwrap(Data(base64Encoded: String(source.dropFirst("data:image/png;base64,".count))))
            XCTAssertNoThrow(try PNG.decode([UInt8](data)))
        }
        XCTAssertFalse(html.contains("href="))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<link"))
    }
}
