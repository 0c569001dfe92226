import Foundation
import TestSupport
import Torch
import XCTest

@testable import SonoTrain

/// Item 11 of "Nothing silently wrong": without a terminal, `finetune` prints its steps and
/// `finetune` and `evaluate` print a heartbeat line whenever they were silent for the interval
/// (30 s; `SONOTAG_PROGRESS_INTERVAL` shortens it here so the test need not wait).
final class LongCommandProgressTests: XCTestCase {
    func testFinetuneAndEvaluatePrintStepsAndHeartbeatsWithoutATerminal() throws {
        let root = try temporaryFolder("progress-lines")
        let data = root.appendingPathComponent("data"), out = root.appendingPathComponent("run")
        try TinyDownstream.make(at: data)
        let tool = try BuiltProducts.executable("sonotag-train")
        let quick = ["CI": "true", "SONOTAG_PROGRESS_INTERVAL": "0.05"]
        let started = Date()
        let finetune = try ProcessRunner.run(
            tool,
            [
                "finetune", "--task", "segmentation", "--data", data.path, "--backbone", "resnet18", "--size", "32x48",
                "--epochs", "2", "--batch-size", "4", "--decoder-width", "2", "--threads", "1", "--out", out.path
            ], environment: quick)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(finetune.status, 0, finetune.combined)
        // run.json: the command, build, machine and the data it trained on.
        let session = try XCTUnwrap(try RunRecord.read(from: out)?.sessions.last)
        XCTAssertEqual(session.status, "finished")
        XCTAssertTrue(session.commandLine.contains("finetune") && session.commandLine.contains(out.path), "\(session.commandLine)")
        XCTAssertEqual(session.libtorch, TorchRuntime.version)
        XCTAssertEqual([session.device, "\(session.threads)"], ["cpu", "1"])
        XCTAssertEqual(session.data.dataset, data.standardizedFileURL.path)
        XCTAssertNotNil(session.finished)
        // 8 training images in batches of 4: every step of both epochs gets a line at this interval.
        XCTAssertTrue(finetune.standardError.contains("epoch 1/2 step 1/2 loss "), finetune.combined)
        XCTAssertTrue(finetune.standardError.contains("epoch 2/2 step 2/2 loss "), finetune.combined)
        // Loading, building and validating each outlast 50 ms many times over.
        if seconds > 2 {
            XCTAssertTrue(finetune.standardError.contains("finetune: still working, "), finetune.combined)
        }

        let evaluation = try ProcessRunner.run(
            tool, ["evaluate", out.path, "--resamples", "2000", "--overlays", "0", "--threads", "1"],
            environment: quick)
        XCTAssertEqual(evaluation.status, 0, evaluation.combined)
        XCTAssertTrue(evaluation.standardError.contains("evaluate: still working, "), evaluation.combined)
        XCTAssertTrue(
            evaluation.standardError.contains("; last: evaluating 2 of 12 images")
                || !evaluation.standardError.contains("last:"), "a heartbeat repeats the last line: \(evaluation.combined)")
    }
}
