import Foundation
import SonoData
import SonoEval
import SonoModels
import TestSupport
import Torch
import XCTest

@testable import SonoTrain

/// Item 11 (experiment part) and item 14 (run.json of experiment and evaluate folders) of
/// "Nothing silently wrong".
final class ExperimentProgressTests: XCTestCase {
    /// Sub-runs are numbered k of n with a plan ETA from the ones trained here; reused ones are
    /// said and not timed; a quiet sub-run still gets a line every 30 s; a folder counts once.
    func testPlanPositionETAAndHeartbeat() {
        var now = Date(timeIntervalSince1970: 0)
        var lines: [String] = []
        let progress = ExperimentProgress(total: 4, clock: { now }, output: { lines.append($0) })
        let folder = { (name: String) in URL(fileURLWithPath: "/exp/\(name)") }
        progress.begin("pretraining ce · resnet18", folder: folder("a"), reused: true)
        progress.begin("fine-tuning q · resnet18 · CE", folder: folder("b"))
        now += 29
        progress.tick()
        XCTAssertEqual(lines.count, 2, "nothing due before 30 s")
        now += 1
        progress.tick()
        now += 30
        progress.begin("fine-tuning q · resnet18 · CE+DCM", folder: folder("c"))
        progress.begin("again", folder: folder("c"))
        now += 100
        progress.line("  epoch 1/1")
        now += 10
        progress.tick()
        XCTAssertEqual(
            lines,
            [
                "[sub-run 1 of 4] pretraining ce · resnet18: finished earlier, reused",
                "[sub-run 2 of 4] fine-tuning q · resnet18 · CE",
                "[sub-run 2 of 4; running 30.0s] fine-tuning q · resnet18 · CE",
                // One trained sub-run took 60 s: this one and one more are left.
                "[sub-run 3 of 4; plan ETA 2m00s] fine-tuning q · resnet18 · CE+DCM",
                "  epoch 1/1"
            ])
        now += 30
        progress.tick()
        XCTAssertEqual(lines.last, "[sub-run 3 of 4; running 2m20s; plan ETA 1m00s] fine-tuning q · resnet18 · CE+DCM")
    }

    /// A tiny downstream task and a labelled manifest without images (so without a split).
    private func taskAndUnsplitCohort(_ label: String) throws -> (root: URL, data: URL, db: String) {
        let root = try temporaryFolder(label)
        let data = root.appendingPathComponent("data")
        try TinyDownstream.make(at: data)
        let db = root.appendingPathComponent("cohort.sqlite").path
        try ManifestDatabase(path: db, createIfMissing: true).applyLabels(.paperDefault())
        return (root, data, db)
    }

    /// `experiment` prints its place in the plan and writes OUT/run.json; `evaluate` writes
    /// run.json into the evaluation folder; both from the one RunRecord owner.
    func testExperimentAndEvaluationFoldersRecordTheirRun() throws {
        let (root, data, db) = try taskAndUnsplitCohort("run-json")
        let out = root.appendingPathComponent("exp")
        let tool = try BuiltProducts.executable("sonotag-train")
        let experiment = try ProcessRunner.run(
            tool,
            [
                "experiment", "table2", "--db", db, "--task", "shapes:segmentation=\(data.path)", "--backbone", "resnet18",
                "--configs", "baseline", "--size", "32x64", "--finetune-epochs", "1", "--finetune-batch-size", "4", "--decoder-width", "2",
                "--resamples", "10", "--overlays", "0", "--threads", "1", "--out", out.path
            ], environment: ["CI": "true"])
        XCTAssertEqual(experiment.status, 0, experiment.combined)
        XCTAssertTrue(experiment.standardOutput.contains("[sub-run 1 of 1] fine-tuning shapes · resnet18 · Baseline"), experiment.combined)
        let session = try XCTUnwrap(try RunRecord.read(from: out)?.sessions.last)
        XCTAssertEqual(session.status, "finished")
        XCTAssertTrue(session.commandLine.contains("table2") && session.commandLine.contains(out.path), "\(session.commandLine)")
        XCTAssertEqual(session.libtorch, TorchRuntime.version)
        XCTAssertEqual(session.device, "cpu")
        XCTAssertEqual(session.threads, 1)
        XCTAssertEqual(session.data.manifest, URL(fileURLWithPath: db).standardizedFileURL.path)
        XCTAssertNotNil(session.data.mappingHash)
        XCTAssertNotNil(session.finished)

        let run = ExperimentLayout(root: out).finetuneRun(backbone: .resnet18, config: .baseline, task: "shapes")
        let evaluation = try ProcessRunner.run(tool, ["evaluate", run.path, "--resamples", "10", "--overlays", "0", "--threads", "1"])
        XCTAssertEqual(evaluation.status, 0, evaluation.combined)
        let scored = try XCTUnwrap(try RunRecord.read(from: run.appendingPathComponent("evaluation"))?.sessions.last)
        XCTAssertEqual(scored.status, "finished")
        XCTAssertTrue(scored.commandLine.contains("evaluate"), "\(scored.commandLine)")
        XCTAssertEqual(scored.data.dataset, data.standardizedFileURL.path)
        XCTAssertEqual(scored.threads, 1)

        // Item 3 from the command line: the manifest has no split, so CE is refused in seconds, as a data error.
        let refused = try ProcessRunner.run(
            tool,
            [
                "experiment", "table2", "--db", db, "--task", "shapes:segmentation=\(data.path)", "--backbone", "resnet18",
                "--configs", "baseline,ce", "--size", "32x64", "--out", root.appendingPathComponent("exp-ce").path
            ])
        XCTAssertEqual(refused.status, 65, refused.combined)
        XCTAssertTrue(refused.standardError.contains("has no patient split"), refused.combined)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("exp-ce/finetune").path))
    }

    /// Item 3: a manifest without a split or a missing --imagenet file stops the plan before
    /// any work (before, both surfaced only after every Baseline had trained).
    func testPlanProblemsStopBeforeAnyWork() throws {
        let (root, data, db) = try taskAndUnsplitCohort("plan-check")
        func attempt(_ configurations: [PretrainingConfiguration], imagenet: [Backbone: String] = [:]) throws -> String {
            var options = ExperimentOptions(
                database: db, tasks: [try ExperimentTaskSpec(flag: "shapes:segmentation=\(data.path)")],
                backbones: [.resnet18], configurations: configurations, out: root.appendingPathComponent("exp"))
            options.imagenetWeights = imagenet
            var message = ""
            XCTAssertThrowsError(
                try ExperimentRunner(options: options, pretrain: { _ in XCTFail("pretrained") }, log: { _ in }).runTable2()
            ) {
                message = "\($0)"
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: options.out.appendingPathComponent("finetune").path), "work was done")
            return message
        }
        let unsplit = try attempt([.baseline, .ce])
        XCTAssertTrue(unsplit.contains("has no patient split") && unsplit.contains("sonotag split --db \(db)"), unsplit)
        let missing = root.appendingPathComponent("absent.safetensors").path
        let weights = try attempt([.baseline, .imagenet], imagenet: [.resnet18: missing])
        XCTAssertTrue(weights.contains("imagenet") && weights.contains(missing), weights)
    }
}
