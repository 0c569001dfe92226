import Foundation
import Imaging
import SonoData
import SonoEval
import SonoSupport
import SonoTrainTestSupport
import TestSupport
import Torch
import XCTest

@testable import SonoTrain

final class ExperimentTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = try temporaryFolder("experiment")
        try TinyDownstream.make(at: root.appendingPathComponent("data"))
        try TorchRuntime.setThreadCount(2)
    }

    func testTaskFlagsAndKindGuessing() throws {
        let data = root.appendingPathComponent("data").path
        // labels.csv has a label column (quality), so without a kind the set reads as classification.
        XCTAssertEqual(try ExperimentTaskSpec(flag: "quality=\(data)").kind, .classification)
        let seg = try ExperimentTaskSpec(flag: "shapes:segmentation=\(data)")
        XCTAssertEqual(seg.name, "shapes")
        XCTAssertEqual(seg.kind, .segmentation)
        XCTAssertEqual(seg.primaryMetric, "dice")
        XCTAssertThrowsError(try ExperimentTaskSpec(flag: "nopath"))
        XCTAssertThrowsError(try ExperimentTaskSpec(flag: "x:detection=\(data)"))
        XCTAssertEqual(try PretrainingConfiguration.parseList("baseline, CE+DCM+F"), [.baseline, .ceDCMFrozen])
        XCTAssertThrowsError(try PretrainingConfiguration.parseList("baseline,simclr")) { error in
            XCTAssertTrue("\(error)".contains("simclr"))
        }
    }

    /// Baseline only, on the tiny shapes set, one epoch: the smallest experiment that trains.
    private func tinyBaselineOptions(out name: String) throws -> ExperimentOptions {
        let data = root.appendingPathComponent("data").path
        var options = ExperimentOptions(
            database: "unused.sqlite", tasks: [try ExperimentTaskSpec(flag: "shapes:segmentation=\(data)")],
            backbones: [.resnet18], configurations: [.baseline], out: root.appendingPathComponent(name))
        options.height = 32
        options.width = 64
        options.finetuneEpochs = 1
        options.finetuneBatchSize = 4
        options.decoderBaseWidth = 2
        options.resamples = 10
        options.overlays = 0
        return options
    }

    /// `experiment lowdata` after a multi-seed `experiment table2` in the same folder fine-tunes
    /// from seed 0's pretraining instead of refusing the folder that holds the seed-N runs.
    func testLowDataReusesSeedZeroPretrainingOfAMultiSeedTable2() throws {
        let data = root.appendingPathComponent("data").path
        var options = ExperimentOptions(
            database: "unused.sqlite", tasks: [try ExperimentTaskSpec(flag: "shapes:segmentation=\(data)")],
            backbones: [.resnet18], configurations: [.baseline, .ce], out: root.appendingPathComponent("exp-shared"))
        options.seeds = 2
        let runner = ExperimentRunner(options: options, log: { _ in })
        let layout = ExperimentLayout(root: options.out)
        // Paths, not URLs: Foundation gives a URL of an existing folder a trailing slash.
        let seedRuns = try runner.plannedSubRuns(labelMappingHash: "mapping", lowData: nil).map(\.folder.path)
        let seed0 = layout.pretrainRun(backbone: .resnet18, method: .ce, seed: 0)
        XCTAssertTrue(
            seedRuns.contains(seed0.path) && seedRuns.contains(layout.pretrainRun(backbone: .resnet18, method: .ce, seed: 1).path))

        let single = layout.pretrainRun(backbone: .resnet18, method: .ce)
        let before = try runner.plannedSubRuns(labelMappingHash: "mapping", lowData: (0.1, 2)).map(\.folder.path)
        XCTAssertTrue(before.contains(single.path), "no Table 2 yet: the single-seed layout")

        try FileManager.default.createDirectory(at: seed0, withIntermediateDirectories: true)
        let planned = try runner.plannedSubRuns(labelMappingHash: "mapping", lowData: (0.1, 2))
        XCTAssertTrue(planned.map(\.folder.path).contains(seed0.path), "\(planned.map(\.folder.path))")
        XCTAssertFalse(planned.map(\.folder.path).contains(single.path))
        let settings = try XCTUnwrap(planned.first { $0.folder.path == seed0.path }?.settings)
        let tableSettings = try XCTUnwrap(
            try runner.plannedSubRuns(labelMappingHash: "mapping", lowData: nil)
                .first { $0.folder.path == seed0.path }?.settings)
        XCTAssertEqual(settings, tableSettings, "seed 0 of Table 2 is exactly the low-data pretraining")
        XCTAssertEqual(ExperimentReport.pretrainRunOfFirstSeed(layout, backbone: .resnet18, method: .ce).path, seed0.path)
    }

    /// The report rewritten by `experiment lowdata` keeps an earlier Table 2 with its own tasks:
    /// a low-data-only task is no empty Table 2 column.
    func testLowDataReportKeepsTheTable2OfTheFolder() throws {
        let data = root.appendingPathComponent("data").path
        let options = try tinyBaselineOptions(out: "exp-report")
        _ = try ExperimentRunner(options: options, log: { _ in }).runTable2()
        var lowData = options
        lowData.tasks.append(try ExperimentTaskSpec(flag: "quality:classification=\(data)"))
        _ = try ExperimentRunner(options: lowData, log: { _ in }).runLowData(fraction: 0.5, repeats: 2)
        let html = try String(contentsOf: options.out.appendingPathComponent("report.html"), encoding: .utf8)
        let start = try XCTUnwrap(html.range(of: "<table class=\"table2\">"))
        let end = try XCTUnwrap(html.range(of: "</table>", range: start.upperBound..<html.endIndex))
        let table2 = String(html[start.lowerBound..<end.upperBound])
        XCTAssertTrue(table2.contains(">shapes<"), table2)
        XCTAssertFalse(table2.contains(">quality<"), "quality ran only in the low-data study: \(table2)")
        XCTAssertTrue(html.contains("Low-data") || html.contains("low-data") || html.contains("Low data"), "the low-data section is there")
    }

    /// A tiny Table 2 (Baseline and an ImageNet row without weights) end to end: fine-tuning,
    /// evaluation, per-image CSV, overlays, Markdown/CSV tables and the HTML report; a rerun
    /// resumes from the finished work instead of training again.
    func testTinyTable2ReportAndResume() throws {
        let data = root.appendingPathComponent("data").path
        var options = ExperimentOptions(
            database: "unused.sqlite",
            tasks: [
                try ExperimentTaskSpec(flag: "shapes:segmentation=\(data)"), try ExperimentTaskSpec(flag: "quality:classification=\(data)")
            ],
            backbones: [.resnet18], configurations: [.baseline, .imagenet], out: root.appendingPathComponent("exp"))
        options.height = 32
        options.width = 64
        options.finetuneEpochs = 2
        options.finetuneBatchSize = 4
        options.resamples = 50
        options.overlays = 2
        var pretrainCalls = 0
        let runner = ExperimentRunner(options: options, pretrain: { _ in pretrainCalls += 1 }, log: { _ in })
        let rows = try runner.runTable2()
        XCTAssertEqual(pretrainCalls, 0, "baseline and imagenet need no pretraining")
        XCTAssertEqual(rows.count, 2)
        let baseline = try XCTUnwrap(rows.first { $0.configuration == .baseline })
        let dice = try XCTUnwrap(baseline.results["shapes"]?.metric("dice"))
        XCTAssertTrue((0...1).contains(dice.mean) && dice.std >= 0, "\(dice)")
        XCTAssertNotNil(baseline.results["quality"]?.metric("kappa"))
        let imagenet = try XCTUnwrap(rows.first { $0.configuration == .imagenet })
        XCTAssertTrue(imagenet.results.isEmpty)
        XCTAssertTrue(imagenet.note?.contains("ImageNet") ?? false)

        let out = options.out
        let markdown = try String(contentsOf: out.appendingPathComponent("table2.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("shapes") && markdown.contains("±"))
        XCTAssertTrue(markdown.contains("no ImageNet weights"), "the ImageNet row must say why it is empty")
        XCTAssertTrue(markdown.contains("0.832 ± 0.009"), "the paper's CE+DCM VGG16-BN liver/kidney Dice is shown for reference")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Table 2"))
        XCTAssertLessThan(
            try XCTUnwrap(html.range(of: "<h2>What was run</h2>")).lowerBound, try XCTUnwrap(html.range(of: "<h2>Table 2</h2>")).lowerBound,
            "the report opens with what was run")
        XCTAssertTrue(
            html.contains("<h2>Confusion matrices</h2>") && html.contains("quality · resnet18 · Baseline"),
            "the classification task's matrix")
        // The matrix counted here from the evaluation's per-image CSV, row by row.
        let qualityRun = ExperimentLayout(root: out).finetuneRun(backbone: .resnet18, config: .baseline, task: "quality")
        let pairs = try String(contentsOf: qualityRun.appendingPathComponent("evaluation/per_image.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }.map { (truth: Int($0[1])!, predicted: Int($0[2])!) }
        let classes = pairs.map { max($0.truth, $0.predicted) }.max()! + 1
        for t in 0..<classes {
            let cells =
                "<tr><td>\(t)</td>"
                + (0..<classes).map { p in "<td>\(pairs.filter { $0.truth == t && $0.predicted == p }.count)</td>" }.joined() + "</tr>"
            XCTAssertTrue(html.contains(cells), "confusion row \(cells)")
        }
        XCTAssertTrue(html.contains("data:image/png;base64"), "charts and overlays are inlined")
        XCTAssertFalse(html.contains("src=\"overlays/"), "the report must be self-contained")

        let run = ExperimentLayout(root: out).finetuneRun(backbone: .resnet18, config: .baseline, task: "shapes")
        let perImage = try String(contentsOf: run.appendingPathComponent("evaluation/per_image.csv"), encoding: .utf8)
        XCTAssertEqual(perImage.split(separator: "\n").count, 1 + 2, "header + the two test images")
        XCTAssertEqual(baseline.results["shapes"]?.overlays.count, 2)

        // Resume: everything is done, so nothing trains again and the results are identical.
        let checkpoint = FinetuneRunLayout(run).bestCheckpoint
        let stamp = try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date
        let again = try runner.runTable2()
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date, stamp)
        XCTAssertEqual(again.first { $0.configuration == .baseline }?.results["shapes"]?.metric("dice"), dice)
    }

    /// A rerun into the same folder with other settings stops before any work and names them;
    /// with the recorded settings it reuses everything.
    func testRerunWithOtherSettingsStopsBeforeWork() throws {
        let options = try tinyBaselineOptions(out: "exp")
        try ExperimentRunner(options: options, log: { _ in }).runTable2()
        let run = ExperimentLayout(root: options.out).finetuneRun(backbone: .resnet18, config: .baseline, task: "shapes")
        let recorded = try XCTUnwrap(try SubRunSettings.read(from: run))
        let checkpoint = FinetuneRunLayout(run).bestCheckpoint
        let stamp = try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date

        var changed = options
        changed.height = 64
        changed.finetuneEpochs = 2
        changed.finetuneLearningRate = 1e-3
        var logged: [String] = []
        XCTAssertThrowsError(try ExperimentRunner(options: changed, log: { logged.append($0) }).runTable2()) { error in
            guard case ExperimentError.settingsChanged(let runs) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(runs.map(\.run), [run.path])
            let keys = runs[0].differences.map(\.key)
            for key in ["epochs", "height", "lr"] { XCTAssertTrue(keys.contains(key), "\(keys)") }
            XCTAssertFalse(keys.contains("width"), "only what changed is named")
            let text = "\(error)"
            XCTAssertTrue(text.contains("height is 32 in the recorded run, 64 now"), text)
        }
        XCTAssertTrue(logged.isEmpty, "nothing started: \(logged)")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date, stamp)
        XCTAssertEqual(try SubRunSettings.read(from: run), recorded, "the record is untouched")

        // Device and threads are not part of a sub-run's identity.
        var elsewhere = options
        elsewhere.threads = 1
        XCTAssertNoThrow(try ExperimentRunner(options: elsewhere, log: { _ in }).runTable2())
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date, stamp)
    }

    /// The recorded experiment settings read back as a --config file; unknown keys are refused.
    func testExperimentFileRoundTripsAndRefusesUnknownKeys() throws {
        var options = ExperimentOptions(
            database: "/data/cohort.sqlite", tasks: [try ExperimentTaskSpec(flag: "q:classification=/d/q")],
            backbones: [.resnet18, .vgg11bn], configurations: [.baseline, .ceDCM], out: root.appendingPathComponent("exp"))
        options.imagenetWeights = [.resnet18: "/w/r18.safetensors"]
        options.height = 64
        options.width = 96
        options.finetuneLearningRate = 1e-3
        let file = ExperimentFile(options)
        try file.write(to: options.out)
        let url = options.out.appendingPathComponent(ExperimentFile.fileName(lowData: false))
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("finetune_lr: ") && text.contains("size: 64x96") && text.contains("pretrain_epochs: 200"), text)
        XCTAssertEqual(try ExperimentFile.load(from: url), file)
        XCTAssertEqual(file.task, ["q:classification=/d/q"])
        XCTAssertEqual(file.backbone, ["resnet18", "vgg11bn"])
        try Data("db: x.sqlite\npretrain_epoch: 3\n".utf8).write(to: url)
        XCTAssertThrowsError(try ExperimentFile.load(from: url)) { error in
            XCTAssertTrue("\(error)".contains("pretrain_epoch") && "\(error)".contains("pretrain_epochs"), "\(error)")
        }
        XCTAssertThrowsError(try PretrainingConfiguration.parseList(" , ")) { XCTAssertTrue("\($0)".contains("empty"), "\($0)") }
    }

    /// Two seeds of Baseline and CE: pretraining runs once per seed (seed, seed+1) into seed-K
    /// folders, both configurations are scored on the same test images, and the paired
    /// comparison's mean difference equals the one computed here from the per-image CSVs.
    func testSeedsArePairedOnTheSameTestImages() throws {
        let data = root.appendingPathComponent("data").path
        // CE pretrains on the manifest's stored labels: an empty manifest labelled with the
        // paper's mapping is enough, since the pretraining below is stubbed.
        let db = root.appendingPathComponent("labelled.sqlite").path
        try ManifestDatabase(path: db, createIfMissing: true).applyLabels(.paperDefault())
        var options = ExperimentOptions(
            database: db, tasks: [try ExperimentTaskSpec(flag: "shapes:segmentation=\(data)")],
            backbones: [.resnet18], configurations: [.baseline, .ce], out: root.appendingPathComponent("exp"))
        options.height = 64
        options.width = 96
        options.finetuneEpochs = 1
        options.finetuneBatchSize = 4
        options.decoderBaseWidth = 2
        options.resamples = 50
        options.overlays = 0
        options.seeds = 2
        options.seed = 10
        var requests: [PretrainRequest] = []
        var runner = ExperimentRunner(
            options: options,
            pretrain: { request in
                requests.append(request)
                var config = tinyConfig(method: .ce, epochs: 1)
                config.seed = request.config.seed
                _ = try pretrain(
                    config: config, train: syntheticSource(count: 8, seed: 1), validation: syntheticSource(count: 4, seed: 2),
                    runDirectory: request.out, progress: ProgressReporter(style: .silent))
            }, log: { _ in })
        // The stub trains on synthetic images: the empty manifest needs no split.
        runner.pretrainingNeedsSplit = false
        let rows = try runner.runTable2()
        XCTAssertEqual(requests.map(\.config.seed), [10, 11])
        XCTAssertEqual(requests.map(\.out.lastPathComponent), ["seed-0", "seed-1"])
        let ce = try XCTUnwrap(rows.first { $0.configuration == .ce })
        XCTAssertEqual(ce.allSeedResults("shapes").count, 2)

        func perImageDice(_ configuration: PretrainingConfiguration, seed: Int) throws -> [Double] {
            let run = ExperimentLayout(root: options.out).finetuneRun(
                backbone: .resnet18, config: configuration, task: "shapes", seed: seed)
            let table = try CSVTable.read(path: run.appendingPathComponent("evaluation/per_image.csv").path)
            let column = try XCTUnwrap(table.header.firstIndex(of: "dice"))
            return table.rows.map { Double($0[column])! }
        }
        let ceMean = zip(try perImageDice(.ce, seed: 0), try perImageDice(.ce, seed: 1)).map { ($0 + $1) / 2 }
        let baseMean = zip(try perImageDice(.baseline, seed: 0), try perImageDice(.baseline, seed: 1)).map { ($0 + $1) / 2 }
        let expected = zip(ceMean, baseMean).map { $0 - $1 }.reduce(0, +) / Double(ceMean.count)

        let comparisons = try JSONDecoder().decode(
            ExperimentComparisons.self,
            from: Data(contentsOf: options.out.appendingPathComponent(ExperimentComparisons.fileName)))
        XCTAssertEqual(comparisons.seeds, 2)
        let c = try XCTUnwrap(comparisons.entries.first?.comparison)
        XCTAssertEqual(comparisons.entries.count, 1, "CE against Baseline only")
        XCTAssertEqual(c.count, ceMean.count)
        XCTAssertEqual(c.meanDifference, expected, accuracy: 1e-5)
        XCTAssertNotNil(c.adjustedPValue)
        XCTAssertEqual(comparisons.summaries.first { $0.configuration == .ce }?.perSeed.count, 2)
        let markdown = try String(contentsOf: options.out.appendingPathComponent("table2.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("CE − Baseline"), markdown)
        XCTAssertTrue(markdown.contains("statistically significant") || markdown.contains("significant after Holm"), markdown)
        XCTAssertTrue(markdown.contains("["), "cells show the bootstrap std in brackets")
    }

    func testEvaluationBootstrapIsSeeded() throws {
        var config = FinetuneConfig.paperDefaults(task: .segmentation, taskName: "tiny", backbone: .resnet18)
        config.data = root.appendingPathComponent("data").path
        config.height = 32
        config.width = 48
        config.epochs = 1
        config.batchSize = 4
        config.decoderBaseWidth = 2
        let run = root.appendingPathComponent("run")
        try FinetuneRun.train(config: config, out: run, resume: false)
        var options = EvaluationOptions()
        options.split = nil  // all 12 images
        options.resamples = 200
        options.overlays = 0
        options.out = root.appendingPathComponent("e1")
        let first = try Evaluation.evaluate(run: run, options: options)
        options.out = root.appendingPathComponent("e2")
        let second = try Evaluation.evaluate(run: run, options: options)
        // Hausdorff-95 is NaN when a mask is empty, and NaN ≠ NaN: compare bit patterns.
        func bits(_ metrics: [MetricEstimate]) -> [[UInt64]] {
            metrics.map { [$0.value.bitPattern, $0.mean.bitPattern, $0.std.bitPattern] }
        }
        XCTAssertEqual(bits(first.metrics), bits(second.metrics))
        XCTAssertEqual(first.metrics.map(\.name), second.metrics.map(\.name))
        XCTAssertEqual(first.images, 12)
        options.seed = 99
        options.out = root.appendingPathComponent("e3")
        let third = try Evaluation.evaluate(run: run, options: options)
        XCTAssertEqual(third.seed, 99)
        // Same whole-set value; the resamples differ, which shows in the bootstrap mean only when
        // the per-image Dice values differ (a one-epoch model may predict the same for every image).
        XCTAssertEqual(third.metric("dice")?.value, first.metric("dice")?.value)
        let table = try CSVTable.read(path: root.appendingPathComponent("e1/per_image.csv").path)
        let column = try XCTUnwrap(table.header.firstIndex(of: "dice"))
        let perImage = table.rows.compactMap { Double($0[column]) }
        XCTAssertEqual(perImage.count, 12)
        if Set(perImage).count > 1 {
            XCTAssertNotEqual(third.metric("dice")?.mean, first.metric("dice")?.mean)
        } else {
            XCTAssertEqual(first.metric("dice")?.std, 0)
            XCTAssertEqual(third.metric("dice")?.std, 0)
        }
    }
}
