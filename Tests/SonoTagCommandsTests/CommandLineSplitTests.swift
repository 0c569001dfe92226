import Foundation
import SonoTagCommands
import TestSupport
import XCTest

/// The built executables: `sonotag` must not load libtorch, and must hand every training command
/// to `sonotag-train` with its arguments, output and exit status intact.
final class CommandLineSplitTests: XCTestCase {
    private func builtBinary(_ name: String) throws -> URL { try BuiltProducts.executable(name) }

    private struct Outcome {
        var status: Int32
        var output: String
    }

    /// Runs with a fixed environment, so the caller's PATH or SONOTAG_TRAIN cannot decide the outcome.
    private func run(_ binary: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let result = try ProcessRunner.run(
            binary, arguments, environment: ["CI": "true", "PATH": "/usr/bin:/bin"].merging(environment) { $1 },
            replacingEnvironment: true)
        return Outcome(status: result.status, output: result.combined)
    }

    func testSonotagDoesNotLinkLibtorchButTheTrainingToolDoes() throws {
        let front = try builtBinary("sonotag"), train = try builtBinary(TrainingTool.executableName)
        let ldd = try Prerequisite.executable("ldd", package: "libc-bin")
        let frontLibraries = try run(ldd, [front.path]).output
        XCTAssertFalse(frontLibraries.contains("libtorch"), frontLibraries)
        XCTAssertFalse(frontLibraries.contains("libc10"), frontLibraries)
        // The same check finds libtorch where it belongs, so it can fail.
        XCTAssertTrue(try run(ldd, [train.path]).output.contains("libtorch_cpu"))
    }

    func testHelpListsTrainingCommandsWithTheirAbstracts() throws {
        let help = try run(try builtBinary("sonotag"), ["--help"])
        XCTAssertEqual(help.status, 0)
        for command in TrainingCommand.allCases {
            XCTAssertTrue(help.output.contains(command.rawValue), command.rawValue)
            XCTAssertTrue(help.output.contains(String(command.abstract.prefix(30))), command.rawValue)
        }
        XCTAssertTrue(help.output.contains("index"))
    }

    func testEveryTrainingCommandIsHandedOverWithItsOwnOptions() throws {
        let front = try builtBinary("sonotag")
        _ = try builtBinary(TrainingTool.executableName)
        for command in TrainingCommand.allCases {
            let viaFront = try run(front, [command.rawValue, "--help"])
            XCTAssertEqual(viaFront.status, 0, "\(command.rawValue): \(viaFront.output)")
            // The training tool's own help (its options), not the entry that lists it.
            XCTAssertFalse(viaFront.output.contains("<arguments>"), "\(command.rawValue): \(viaFront.output)")
            XCTAssertTrue(viaFront.output.contains("USAGE: sonotag \(command.rawValue)"), viaFront.output)
            let viaHelp = try run(front, ["help", command.rawValue])
            XCTAssertEqual(viaHelp.output, viaFront.output, command.rawValue)
        }
        XCTAssertTrue(try run(front, ["pretrain", "--help"]).output.contains("--backbone"))
    }

    func testExitStatusAndErrorsComeBackFromTheTrainingTool() throws {
        let front = try builtBinary("sonotag")
        _ = try builtBinary(TrainingTool.executableName)
        let out = try temporaryFolder("handover").appendingPathComponent("run")
        let bad = try run(front, ["pretrain", "--db", "/nonexistent/cohort.sqlite", "--out", out.path, "--epochs", "1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.output.contains("/nonexistent/cohort.sqlite"), bad.output)
        let smoke = try run(front, ["smoke", "--steps", "3"])
        XCTAssertEqual(smoke.status, 0, smoke.output)
    }

    func testAMissingTrainingToolIsAClearError() throws {
        let front = try builtBinary("sonotag")
        let missing = try run(front, ["pretrain", "--help"], environment: ["SONOTAG_TRAIN": "/nonexistent/sonotag-train"])
        XCTAssertEqual(missing.status, 127)
        XCTAssertTrue(missing.output.contains("SONOTAG_TRAIN=/nonexistent/sonotag-train"), missing.output)
        // Commands that need no libtorch are unaffected.
        XCTAssertEqual(try run(front, ["labels", "--help"], environment: ["SONOTAG_TRAIN": "/nonexistent/sonotag-train"]).status, 0)
    }

    /// Item 14 of "Nothing silently wrong": `--version` on both executables names the version, the
    /// commit, libtorch and CUDA.
    func testVersionNamesBuildLibtorchAndCUDA() throws {
        let front = try builtBinary("sonotag"), train = try builtBinary(TrainingTool.executableName)
        let direct = try run(train, ["--version"])
        XCTAssertEqual(direct.status, 0, direct.output)
        let lines = direct.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, direct.output)
        XCTAssertTrue(lines[0].hasPrefix("sonotag-train \(BuildInfo.version) (commit "), direct.output)
        XCTAssertTrue(lines[1].range(of: #"^libtorch \d+\.\d+"#, options: .regularExpression) != nil, direct.output)
        XCTAssertTrue(lines[2].hasPrefix("CUDA "), direct.output)
        let viaFront = try run(front, ["--version"])
        XCTAssertEqual(viaFront.status, 0, viaFront.output)
        XCTAssertEqual(viaFront.output, BuildInfo.versionLine(tool: "sonotag") + "\n" + direct.output)
    }
}
