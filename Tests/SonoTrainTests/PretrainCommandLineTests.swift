import Foundation
import TestSupport
import XCTest

@testable import SonoTrain

/// `sonotag pretrain` as a user runs it: the executable, its help, its exit codes and messages.
final class PretrainCommandLineTests: XCTestCase {
    private func trainingTool() throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("sonotag-train")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw XCTSkip("sonotag-train is not built next to the tests (swift build --build-tests builds it)")
    }

    /// Runs the tool; returns the exit status and everything it printed.
    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try trainingTool()
        process.arguments = arguments
        process.environment = ["CI": "true", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testHelpShowsEveryDeclaredOptionAndSize() throws {
        let (status, help) = try run(["pretrain", "--help"])
        XCTAssertEqual(status, 0)
        for key in RunConfig.Key.allCases {
            if let option = key.option {
                // A flag with an inverse shows as --name/--no-name.
                XCTAssertTrue(help.contains("--\(option) ") || help.contains("--\(option)/"), "--\(option) missing from pretrain --help")
            }
            XCTAssertTrue(help.contains(key.rawValue), "config key \(key.rawValue) missing from pretrain --help")
        }
        XCTAssertTrue(help.contains("--size <HxW>"), help)
        XCTAssertFalse(help.contains("--height") || help.contains("--lr-f"), "old spellings are hidden")
    }

    /// finetune and experiment: every settings key has its option, and old spellings are hidden.
    func testFinetuneAndExperimentHelpCoverTheirSettings() throws {
        let (status, finetune) = try run(["finetune", "--help"])
        XCTAssertEqual(status, 0)
        for key in FinetuneConfig.Key.allCases {
            guard let option = key.option else { continue }
            XCTAssertTrue(finetune.contains("--\(option)"), "--\(option) missing from finetune --help")
        }
        XCTAssertTrue(finetune.contains("--config <config>"), finetune)
        let (status2, table2) = try run(["experiment", "table2", "--help"])
        XCTAssertEqual(status2, 0)
        for key in ExperimentFile.CodingKeys.allCases where key != .fraction && key != .repeats {
            XCTAssertTrue(table2.contains("--\(key.option)"), "--\(key.option) missing from experiment table2 --help")
        }
        XCTAssertTrue(table2.contains("--backbone <B[,B…]>") && !table2.contains("--backbones"), table2)
        let (_, lowdata) = try run(["experiment", "lowdata", "--help"])
        XCTAssertTrue(lowdata.contains("--fraction") && lowdata.contains("--repeats"), lowdata)
    }

    func testResumeContinuesTheRecordedRun() throws {
        let dir = try temporaryFolder("cli-resume")
        let out = dir.appendingPathComponent("run").path
        let common = ["--synthetic", "8", "--out", out, "--threads", "1"]
        // The old --height/--width still work, with a deprecation line.
        let first = try run(
            [
                "pretrain", "--backbone", "resnet18", "--height", "64", "--width", "96", "--epochs", "1",
                "--batch-size", "4", "--lr", "0.001"
            ] + common)
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertTrue(first.output.contains("--height/--width is deprecated"), first.output)
        let metrics = URL(fileURLWithPath: out).appendingPathComponent("metrics.csv")
        let before = try Data(contentsOf: metrics)

        // Finished: says so, trains nothing, exits 0, and leaves config.yaml as recorded.
        let finished = try run(["pretrain", "--resume"] + common)
        XCTAssertEqual(finished.status, 0, finished.output)
        XCTAssertTrue(finished.output.contains("is finished: 1 of 1 epochs"), finished.output)
        XCTAssertEqual(try Data(contentsOf: metrics), before)
        let recordedFirst = try RunConfig.load(from: URL(fileURLWithPath: out).appendingPathComponent("config.yaml"))
        XCTAssertEqual(recordedFirst.epochs, 1)
        XCTAssertTrue(recordedFirst.channelsLast, "channels-last is the default storage order")

        // Another setting than recorded: an error naming it and both values, nothing trained.
        let conflict = try run(["pretrain", "--resume", "--method", "ce", "--size", "64x96"] + common)
        XCTAssertNotEqual(conflict.status, 0)
        XCTAssertTrue(conflict.output.contains("method is ce+dcm in the recorded run, ce now"), conflict.output)
        XCTAssertFalse(conflict.output.contains("height"), "the size asked for is the recorded one")
        XCTAssertEqual(try Data(contentsOf: metrics), before)

        // Extending is explicit; the storage order may change on resume (--no-channels-last: NCHW).
        let extended = try run(["pretrain", "--resume", "--epochs", "2", "--no-channels-last"] + common)
        XCTAssertEqual(extended.status, 0, extended.output)
        XCTAssertTrue(extended.output.contains("done: 2 epochs"), extended.output)
        let config = try RunConfig.load(from: URL(fileURLWithPath: out).appendingPathComponent("config.yaml"))
        XCTAssertEqual([config.epochs, config.height, config.width], [2, 64, 96])
        XCTAssertEqual(config.learningRateF, 0.001)
        XCTAssertFalse(config.channelsLast, "--no-channels-last is recorded")

        // --initial-weights typed relative to the working directory is recorded absolute.
        let warm = dir.appendingPathComponent("warm")
        let started = try ProcessRunner.run(
            try trainingTool(),
            [
                "pretrain", "--synthetic", "8", "--backbone", "resnet18", "--size", "64x96", "--epochs", "1", "--batch-size", "4",
                "--threads", "1", "--initial-weights", "run", "--out", warm.path
            ], environment: ["CI": "true"], currentDirectory: dir)
        XCTAssertEqual(started.status, 0, started.combined)
        let recorded = try XCTUnwrap(try RunConfig.load(from: warm.appendingPathComponent("config.yaml")).initialWeights)
        XCTAssertTrue(recorded.hasPrefix("/"), recorded)
        XCTAssertEqual(URL(fileURLWithPath: recorded).resolvingSymlinksInPath(), URL(fileURLWithPath: out).resolvingSymlinksInPath())
    }
}
