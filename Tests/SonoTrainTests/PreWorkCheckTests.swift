import Foundation
import SonoData
import SonoEval
import TestSupport
import Torch
import XCTest

@testable import SonoTrain

/// Item 3 of "Nothing silently wrong": `pretrain`, `finetune` and `experiment` refuse bad input
/// in seconds, before any work: no run folder or run.json is written, no image is loaded, and the
/// message names the flag or file with the documented exit status (64 usage, 65 data).
final class PreWorkCheckTests: XCTestCase {
    private struct Refusal {
        let name: String
        let arguments: [String]
        let status: Int32
        let says: String
    }

    /// Runs each refusal into its own --out and checks status, message and that nothing was written.
    /// `command` may name a subcommand too ("experiment table2").
    private func check(_ command: String, _ refusals: [Refusal], common: [String], root: URL) throws {
        let tool = try BuiltProducts.executable("sonotag-train")
        let words = command.split(separator: " ").map(String.init)
        for refusal in refusals {
            let out = root.appendingPathComponent("out-\(refusal.name)")
            let result = try ProcessRunner.run(tool, words + ["--out", out.path] + common + refusal.arguments, environment: ["CI": "true"])
            XCTAssertEqual(result.status, refusal.status, "\(refusal.name): \(result.combined)")
            XCTAssertTrue(result.standardError.contains(refusal.says), "\(refusal.name): expected '\(refusal.says)' in \(result.combined)")
            XCTAssertFalse(result.standardOutput.contains("data: "), "\(refusal.name): images were loaded: \(result.combined)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(refusal.name): the run folder was written")
        }
    }

    /// A labelled tiny downstream set, and one whose labels.csv is missing.
    private func downstreamFolders(in root: URL) throws -> (labelled: URL, unlabelled: URL) {
        let data = root.appendingPathComponent("data"), unlabelled = root.appendingPathComponent("unlabelled")
        try TinyDownstream.make(at: data)
        try TinyDownstream.make(at: unlabelled, count: 4)
        try FileManager.default.removeItem(at: unlabelled.appendingPathComponent("labels.csv"))
        return (data, unlabelled)
    }

    func testFinetuneRefusesBadInputBeforeAnyWork() throws {
        let root = try temporaryFolder("prework-finetune")
        let (data, unlabelled) = try downstreamFolders(in: root)
        let nowhere = root.appendingPathComponent("nowhere").path
        let weights = root.appendingPathComponent("absent.safetensors").path
        let badTask = root.appendingPathComponent("task.yaml")
        try Data("task: segmntation\n".utf8).write(to: badTask)
        let segmentation = ["--task", "segmentation", "--data", data.path]
        var refusals = [
            Refusal(name: "data", arguments: ["--task", "segmentation", "--data", nowhere], status: 65, says: "not found: \(nowhere)"),
            Refusal(
                name: "labels", arguments: ["--task", "classification", "--data", unlabelled.path], status: 65,
                says: "\(unlabelled.path)/labels.csv (classification needs labels)"),
            Refusal(
                name: "column", arguments: ["--task", "classification", "--data", data.path, "--label-column", "grade"], status: 65,
                says: "no grade column"),
            Refusal(
                name: "imagenet", arguments: segmentation + ["--encoder", "imagenet:\(weights)"], status: 65,
                says: "--encoder imagenet:\(weights): no such file or folder"),
            Refusal(
                name: "encoder", arguments: segmentation + ["--encoder", nowhere], status: 65,
                says: "--encoder \(nowhere): no such file or folder"),
            Refusal(name: "device", arguments: segmentation + ["--device", "cuda:99"], status: 64, says: "--device: cuda:99"),
            Refusal(
                name: "kind", arguments: ["--config", badTask.path, "--data", data.path], status: 64,
                says: "task 'segmntation' is not segmentation or classification"),
            Refusal(
                name: "config", arguments: segmentation + ["--config", nowhere], status: 65, says: "--config: \(nowhere): no such file"),
            Refusal(
                name: "backbone", arguments: segmentation + ["--backbone", "resnet19"], status: 64,
                says: "'resnet19' is invalid for '--backbone")
        ]
        if Device.cudaDeviceCount == 0 {
            refusals.append(
                Refusal(
                    name: "precision", arguments: segmentation + ["--precision", "fp16"], status: 64,
                    says: "--precision: fp16: CPU autocast supports bfloat16 only"))
        }
        try check("finetune", refusals, common: ["--size", "32x48", "--epochs", "1", "--batch-size", "4", "--threads", "1"], root: root)
    }

    func testPretrainRefusesBadInputBeforeAnyWork() throws {
        let root = try temporaryFolder("prework-pretrain")
        let db = root.appendingPathComponent("cohort.sqlite").path
        try ManifestDatabase(path: db, createIfMissing: true).applyLabels(.paperDefault())
        let nowhere = root.appendingPathComponent("nowhere").path
        let badBackbone = root.appendingPathComponent("pretrain.yaml")
        try Data("epochs: 1\nbackbone: resnet19\n".utf8).write(to: badBackbone)
        let synthetic = ["--synthetic", "8"]
        var refusals = [
            Refusal(
                name: "weights", arguments: synthetic + ["--initial-weights", nowhere], status: 65,
                says: "--initial-weights \(nowhere): no such file or folder"),
            Refusal(name: "device", arguments: synthetic + ["--device", "cuda:99"], status: 64, says: "--device cuda:99"),
            // Before, a config file's errors exited 1, as if the run itself had failed.
            Refusal(name: "config", arguments: synthetic + ["--config", nowhere], status: 65, says: "\(nowhere): no such file"),
            Refusal(
                name: "config-backbone", arguments: synthetic + ["--config", badBackbone.path], status: 65,
                says: "\(badBackbone.path):2:11: backbone"),
            Refusal(name: "kinds", arguments: ["--db", db, "--kinds", "bogus"], status: 64, says: "--kinds"),
            Refusal(name: "labels", arguments: ["--db", db, "--labels", nowhere], status: 65, says: "--labels \(nowhere)"),
            Refusal(name: "db", arguments: ["--db", nowhere], status: 65, says: "\(nowhere) is not a SonoTag manifest"),
            // Before, this failed only after run.json and the run folder were written.
            Refusal(
                name: "split", arguments: ["--db", db], status: 65,
                says: "--db \(db) has no patient split, which pretraining needs; run `sonotag split --db \(db)` first")
        ]
        if Device.cudaDeviceCount == 0 {
            refusals.append(
                Refusal(name: "precision", arguments: synthetic + ["--precision", "fp16"], status: 64, says: "--precision fp16"))
        }
        try check(
            "pretrain", refusals,
            common: ["--backbone", "resnet18", "--size", "64x96", "--epochs", "1", "--batch-size", "4", "--threads", "1"],
            root: root)
    }

    /// An unknown backbone or an empty --configs stops `experiment` before it writes anything
    /// (before, `--configs ""` exited 0 and named a table it never wrote).
    func testExperimentRefusesABadBackboneOrNoConfigurationsBeforeAnyWork() throws {
        let root = try temporaryFolder("prework-experiment-cli")
        let (data, _) = try downstreamFolders(in: root)
        let db = root.appendingPathComponent("cohort.sqlite").path
        try ManifestDatabase(path: db, createIfMissing: true).applyLabels(.paperDefault())
        let nowhere = root.appendingPathComponent("nowhere.yaml").path
        let refusals = [
            Refusal(
                name: "backbone", arguments: ["--backbone", "resnet19", "--configs", "baseline"], status: 64,
                says: "--backbone: 'resnet19' is not one of"),
            Refusal(name: "configs", arguments: ["--backbone", "resnet18", "--configs", ""], status: 64, says: "--configs: empty"),
            // A missing file is a data error, as a missing --config or --data is (before: a usage error).
            Refusal(
                name: "pretrain-config", arguments: ["--backbone", "resnet18", "--configs", "baseline", "--pretrain-config", nowhere],
                status: 65, says: "--pretrain-config \(nowhere): no such file")
        ]
        try check(
            "experiment table2", refusals,
            common: ["--db", db, "--task", "shapes:segmentation=\(data.path)", "--size", "32x64", "--threads", "1"], root: root)
    }

    /// Library errors name the setting (its YAML key or a name in words); the commands say the flag.
    func testLibraryErrorsNameTheSettingNotAFlag() throws {
        let root = try temporaryFolder("prework-library")
        let data = root.appendingPathComponent("data")
        try TinyDownstream.make(at: data)
        var config = FinetuneConfig.paperDefaults(task: .segmentation, taskName: "tiny", backbone: .resnet18)
        config.data = data.path
        config.encoder = .pretrained(root.appendingPathComponent("absent").path)
        var errors: [Error] = []
        func collect(_ body: () throws -> Void) {
            do {
                try body()
                XCTFail("no error")
            } catch { errors.append(error) }
        }
        collect { try FinetuneRun.checkBeforeWork(config: config, out: root.appendingPathComponent("run"), resume: false) }
        collect { _ = try TrainingThreads.intraOp(requested: 0, environment: [:], cores: 2) }
        collect { _ = try TrainingThreads.intraOp(requested: nil, environment: ["OMP_NUM_THREADS": "none"], cores: 2) }
        collect {
            try LocalLauncher(processCount: 0, masterPort: nil, grace: 1, executable: URL(fileURLWithPath: "/bin/true"), arguments: [])
                .run()
        }
        collect { _ = try SplitSettings(valShare: 0.7, testShare: 0.5) }
        collect { _ = try ImageKind.parseList("bmode,colour") }
        collect { _ = try PretrainingConfiguration.parseList("") }
        guard case FinetuneError.unusableFile(field: "encoder", _, reason: "no such file or folder")? = errors.first else {
            return XCTFail("\(errors)")
        }
        XCTAssertEqual(errors.first.map { "\($0)" }, "encoder \(root.appendingPathComponent("absent").path): no such file or folder")
        for error in errors { XCTAssertFalse("\(error)".contains("--"), "\(error)") }
        XCTAssertEqual(errors.count, 7)
    }

    /// A task that cannot be read stops the plan before the first fine-tuning (before, the
    /// tasks listed before it were fine-tuned and evaluated first).
    func testExperimentRefusesAnUnreadableTaskBeforeAnyWork() throws {
        let root = try temporaryFolder("prework-experiment")
        let (data, unlabelled) = try downstreamFolders(in: root)
        let db = root.appendingPathComponent("cohort.sqlite").path
        try ManifestDatabase(path: db, createIfMissing: true).applyLabels(.paperDefault())
        var options = ExperimentOptions(
            database: db,
            tasks: [
                ExperimentTaskSpec(name: "shapes", path: data.path, kind: .segmentation),
                ExperimentTaskSpec(name: "grades", path: unlabelled.path, kind: .classification)
            ],
            backbones: [.resnet18], configurations: [.baseline], out: root.appendingPathComponent("exp"))
        (options.height, options.width, options.finetuneEpochs, options.finetuneBatchSize) = (32, 48, 1, 4)
        (options.decoderBaseWidth, options.resamples, options.overlays, options.threads) = (2, 10, 0, 1)
        XCTAssertThrowsError(try ExperimentRunner(options: options, pretrain: { _ in XCTFail("pretrained") }, log: { _ in }).runTable2()) {
            error in
            XCTAssertTrue(
                "\(error)".contains("grades (classification, \(unlabelled.path))") && "\(error)".contains("classification needs labels"),
                "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: options.out.appendingPathComponent("finetune").path), "work was done")
    }
}
