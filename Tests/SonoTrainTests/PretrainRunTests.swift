import Foundation
import Imaging
import SonoModels
import SonoTrainTestSupport
import TestSupport
import Torch
import TorchNN
import XCTest

@testable import SonoTrain

final class PretrainRunTests: XCTestCase {
    private func rows(_ url: URL, kind: String) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0.first == kind }
    }

    func testTwoEpochRunWritesEverything() throws {
        let dir = try temporaryFolder("run")
        let train = try syntheticSource(count: 12, seed: 3), val = try syntheticSource(count: 5, seed: 4)
        let summary = try pretrain(
            config: tinyConfig(), train: train, validation: val, runDirectory: dir,
            progress: ProgressReporter(style: .silent))
        let layout = PretrainRunLayout(dir)
        XCTAssertEqual(summary.epochsCompleted, 2)
        XCTAssertTrue(summary.bestValidationLoss.isFinite)
        // 12 images, batch 4 → 3 steps per epoch; one epoch row each.
        XCTAssertEqual(try rows(layout.metrics, kind: "step").count, 6)
        XCTAssertEqual(try rows(layout.metrics, kind: "epoch").count, 2)
        XCTAssertEqual(try RunConfig.load(from: layout.config), tinyConfig())
        for epoch in 1...2 {
            let png = try PNG.read(path: layout.grid(epoch: epoch).path)
            XCTAssertEqual(png.width, 3 * 96 + 16)
        }
        let (checkpoint, archive) = try PretrainCheckpoint.read(layout.lastCheckpoint)
        XCTAssertEqual(checkpoint.epoch, 2)
        XCTAssertEqual(checkpoint.globalStep, 6)
        XCTAssertEqual(checkpoint.labelMappingHash, "test-hash")
        XCTAssertTrue(archive.names.contains("model.F.encoder.layer4.1.bn2.num_batches_tracked"))
        XCTAssertTrue(archive.names.contains("model.D.projection.weight"))
        XCTAssertTrue(archive.names.contains("optim.F.encoder.conv1.weight.exp_avg_sq"))
        XCTAssertTrue(archive.names.contains("optim.D.linear.bias.step"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: layout.bestCheckpoint.path))

        // A second run into the same directory without --resume is refused.
        XCTAssertThrowsError(
            try pretrain(
                config: tinyConfig(), train: train, validation: val, runDirectory: dir,
                progress: ProgressReporter(style: .silent)))

        // Export: the encoder alone, under torchvision's names.
        let encoderURL = dir.appendingPathComponent("encoder.safetensors")
        XCTAssertEqual(try PretrainCheckpoint.exportEncoder(from: layout.bestCheckpoint, to: encoderURL), .resnet18)
        let exported = try SafeTensors.load(contentsOf: encoderURL)
        XCTAssertEqual(Set(exported.names), Set(try ResNet(.resnet18).stateDict().map(\.name)))
        let fresh = try ResNet(.resnet18)
        try fresh.load(contentsOf: encoderURL)
        try checkTorchvisionLoads(encoderURL, constructor: "resnet18", expectedMissing: ["fc.bias", "fc.weight"])
    }

    /// torchvision's own `load_state_dict(strict=False)` must report only the classifier missing.
    private func checkTorchvisionLoads(_ url: URL, constructor: String, expectedMissing: [String]) throws {
        let python = try ReferencePython.torch()
        let script = """
            import json, struct, sys, numpy as np, torch, torchvision
            raw = open(sys.argv[1], "rb").read()
            n = struct.unpack("<Q", raw[:8])[0]
            header = json.loads(raw[8:8 + n])
            types = {"F32": np.float32, "I64": np.int64, "F16": np.float16, "F64": np.float64}
            state = {}
            for k, v in header.items():
                if k == "__metadata__": continue
                a, b = v["data_offsets"]
                arr = np.frombuffer(raw[8 + n + a: 8 + n + b], dtype=types[v["dtype"]]).reshape(v["shape"])
                state[k] = torch.from_numpy(arr.copy())
            r = getattr(torchvision.models, sys.argv[2])().load_state_dict(state, strict=False)
            print(json.dumps({"missing": sorted(r.missing_keys), "unexpected": sorted(r.unexpected_keys)}))
            """
        let run = try ProcessRunner.run(python, ["-c", script, url.path, constructor])
        XCTAssertEqual(run.status, 0, run.standardError)
        let result = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: [String]]
        XCTAssertEqual(result?["missing"], expectedMissing)
        XCTAssertEqual(result?["unexpected"], [])
    }

    /// Two epochs, stop, resume for a third: the third epoch's losses equal an uninterrupted
    /// three-epoch run's.
    func testResumeContinuesExactly() throws {
        let train = try syntheticSource(count: 8, seed: 5), val = try syntheticSource(count: 4, seed: 6)
        let straight = try temporaryFolder("straight"), split = try temporaryFolder("split")
        let quiet = ProgressReporter(style: .silent)
        _ = try pretrain(config: tinyConfig(epochs: 3), train: train, validation: val, runDirectory: straight, progress: quiet)
        _ = try pretrain(config: tinyConfig(epochs: 2), train: train, validation: val, runDirectory: split, progress: quiet)
        _ = try pretrain(config: tinyConfig(epochs: 3), train: train, validation: val, runDirectory: split, resume: true, progress: quiet)
        let a = try rows(PretrainRunLayout(straight).metrics, kind: "step")
        let b = try rows(PretrainRunLayout(split).metrics, kind: "step")
        XCTAssertEqual(a.count, 6)
        XCTAssertEqual(b.count, 6, "the resumed log continues the first one")
        // Columns: kind, epoch, step, loss_d, loss_f, loss_rec, loss_adv (images/s differs).
        XCTAssertEqual(a.map { Array($0[0..<7]) }, b.map { Array($0[0..<7]) })
        XCTAssertEqual(
            try resumePlan(runDirectory: split, requested: RunConfig(), explicit: []).config.height, 64,
            "resuming takes the image size from the checkpoint, not the defaults")
        let ea = try rows(PretrainRunLayout(straight).metrics, kind: "epoch").map { $0[7] }
        let eb = try rows(PretrainRunLayout(split).metrics, kind: "epoch").map { $0[7] }
        XCTAssertEqual(ea, eb)
    }

    /// Resume continues the run as recorded: a finished run is reported finished, extending it is
    /// explicit, and any other setting asked for that differs from the record is refused by name.
    func testResumeDoesWhatWasRecorded() throws {
        let dir = try temporaryFolder("resume-plan")
        let train = try syntheticSource(count: 8, seed: 5), val = try syntheticSource(count: 4, seed: 6)
        let quiet = ProgressReporter(style: .silent)
        _ = try pretrain(config: tinyConfig(epochs: 1), train: train, validation: val, runDirectory: dir, progress: quiet)

        // Nothing explicit: the defaults (200 epochs, 256×384) must not leak in.
        let plan = try resumePlan(runDirectory: dir, requested: RunConfig(), explicit: [])
        guard case .finished(let config, let completed, _, _) = plan else { return XCTFail("\(plan)") }
        XCTAssertEqual(config, tinyConfig(epochs: 1))
        XCTAssertEqual(completed, 1)

        // Asking for what was recorded is fine; asking for something else names it and both values.
        var same = tinyConfig(epochs: 1)
        same.threads = 1
        XCTAssertEqual(try resumePlan(runDirectory: dir, requested: same, explicit: [.method, .backbone, .threads]).config.threads, 1)
        // Arithmetic and shared statistics may change on resume, like the device.
        var faster = RunConfig()
        faster.precision = .bf16
        faster.syncBatchNorm = true
        let switched = try resumePlan(runDirectory: dir, requested: faster, explicit: [.precision, .syncBatchNorm]).config
        XCTAssertEqual(switched.precision, .bf16)
        XCTAssertTrue(switched.syncBatchNorm)
        XCTAssertEqual(
            try resumePlan(runDirectory: dir, requested: faster, explicit: []).config.precision, .fp32, "unasked, the record holds")
        var other = RunConfig()
        other.method = .ce
        other.batchSize = 16
        XCTAssertThrowsError(try resumePlan(runDirectory: dir, requested: other, explicit: [.method, .batchSize])) { error in
            guard case PretrainError.resumeConflict(_, let differences) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(
                differences,
                [
                    SettingDifference(key: "method", recorded: "ce+dcm", requested: "ce"),
                    SettingDifference(key: "batch_size", recorded: "4", requested: "16")
                ])
            XCTAssertTrue("\(error)".contains("method is ce+dcm in the recorded run, ce now"), "\(error)")
        }

        // Extending is explicit; fewer epochs than trained is an error.
        var longer = RunConfig()
        longer.epochs = 2
        let extended = try resumePlan(runDirectory: dir, requested: longer, explicit: [.epochs])
        XCTAssertEqual(extended, .resume(config: tinyConfig(epochs: 2), completedEpochs: 1))
        longer.epochs = 0
        XCTAssertThrowsError(try resumePlan(runDirectory: dir, requested: longer, explicit: [.epochs]))

        // The library entry point holds to the record too.
        var changed = tinyConfig(epochs: 2)
        changed.lambdaAdv = 0.5
        XCTAssertThrowsError(try pretrain(config: changed, train: train, validation: val, runDirectory: dir, resume: true, progress: quiet))
        { error in
            guard case PretrainError.resumeConflict(_, let differences) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(differences.map(\.key), ["lambda_adv"])
        }
        XCTAssertEqual(try PretrainCheckpoint.read(PretrainRunLayout(dir).lastCheckpoint).0.epoch, 1, "nothing trained")
        _ = try pretrain(config: extended.config, train: train, validation: val, runDirectory: dir, resume: true, progress: quiet)
        XCTAssertEqual(try PretrainCheckpoint.read(PretrainRunLayout(dir).lastCheckpoint).0.epoch, 2)
        XCTAssertEqual(try RunConfig.load(from: PretrainRunLayout(dir).config).epochs, 2)
    }

    func testResumeRefusesChangedLabels() throws {
        let dir = try temporaryFolder("labels")
        let train = try syntheticSource(count: 8, seed: 5), val = try syntheticSource(count: 4, seed: 6)
        _ = try pretrain(
            config: tinyConfig(epochs: 1), train: train, validation: val, runDirectory: dir,
            progress: ProgressReporter(style: .silent))
        let other = try InMemoryBatchSource(images: train.images, labels: train.labels, labelMappingHash: "other")
        XCTAssertThrowsError(
            try pretrain(
                config: tinyConfig(epochs: 2), train: other, validation: val, runDirectory: dir,
                resume: true, progress: ProgressReporter(style: .silent))
        ) { error in
            guard case PretrainError.labelMismatch = error else { return XCTFail("\(error)") }
        }
    }

    /// A source whose second epoch is corrupt: training stops with a message naming the last
    /// good checkpoint, which still holds epoch 1.
    func testDivergenceKeepsTheLastGoodCheckpoint() throws {
        final class PoisonedSource: PretrainBatchSource {
            let clean: InMemoryBatchSource
            init(_ clean: InMemoryBatchSource) { self.clean = clean }
            var labelCount: Int { clean.labelCount }
            var labelMappingHash: String { clean.labelMappingHash }
            var imageCount: Int { clean.imageCount }
            func forEachBatch(
                epoch: Int, batchSize: Int, seed: UInt64, shuffled: Bool, limit: Int?, dropIncomplete: Bool,
                _ body: (PretrainBatch) throws -> Void
            ) throws {
                try clean.forEachBatch(
                    epoch: epoch, batchSize: batchSize, seed: seed, shuffled: shuffled, limit: limit,
                    dropIncomplete: dropIncomplete
                ) { batch in
                    guard epoch >= 2 else { return try body(batch) }
                    try body(PretrainBatch(images: try batch.images * .infinity, labels: batch.labels))
                }
            }
        }
        let dir = try temporaryFolder("nan")
        let train = PoisonedSource(try syntheticSource(count: 8, seed: 5)), val = try syntheticSource(count: 4, seed: 6)
        XCTAssertThrowsError(
            try pretrain(
                config: tinyConfig(epochs: 3), train: train, validation: val, runDirectory: dir,
                progress: ProgressReporter(style: .silent))
        ) { error in
            guard case PretrainError.diverged(let epoch, _, _, let kept) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(epoch, 2)
            XCTAssertEqual(kept, PretrainRunLayout(dir).lastCheckpoint.path)
            XCTAssertTrue("\(error)".contains("last.safetensors"))
        }
        XCTAssertEqual(try PretrainCheckpoint.read(PretrainRunLayout(dir).lastCheckpoint).0.epoch, 1)
    }
}

/// Item 11 of "Nothing silently wrong": without a terminal, a progress line at least every 30 s
/// (on main only every 10 steps, so minutes of silence when steps are slow), with ETAs.
final class ProgressReporterTests: XCTestCase {
    func testPlainLinesComeAtLeastEveryIntervalWithAnETA() {
        var now = Date(timeIntervalSince1970: 0)
        var lines: [String] = []
        // Slow steps: 20 s each, a line wanted every 30 s, every 100 steps otherwise.
        let reporter = ProgressReporter(style: .lines, lineEvery: 100, lineInterval: 30, clock: { now }, write: { lines.append($0) })
        for step in 1...9 {
            now += 20
            reporter.step(epoch: 1, epochs: 2, step: step, stepsPerEpoch: 10, losses: "L=1", imagesPerSecond: 1)
        }
        // Steps at 20, 40, …, 180 s: lines at steps 1 (first), 3 (60 s), 5, 7, 9.
        XCTAssertEqual(lines.count, 5, "\(lines)")
        XCTAssertTrue(lines[1].hasPrefix("epoch 1/2 step 3/10"), lines[1])
        // 20 s per step: 7 steps left in the epoch, 17 in the run.
        XCTAssertTrue(lines[1].contains("epoch ETA 2m20s, run ETA 5m40s"), lines[1])
        // Fast steps: no line until the step count or the interval says so.
        lines = []
        for step in 1...10 {
            now += 0.1
            reporter.step(epoch: 2, epochs: 2, step: step, stepsPerEpoch: 10, losses: "L=1", imagesPerSecond: 100)
        }
        XCTAssertEqual(lines.count, 1, "only the epoch's last step: \(lines)")
    }
}
