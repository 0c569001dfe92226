import Foundation
import XCTest
import SonoTagCommands

/// The built executables: `sonotag` must not load libtorch, and must hand every training command
/// to `sonotag-train` with its arguments, output and exit status intact.
final class CommandLineSplitTests: XCTestCase {
    private func builtBinary(_ name: String) throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw XCTSkip("\(name) not built next to the tests")
    }

    private struct Outcome {
        var status: Int32
        var output: String
    }

    private func run(_ binary: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ["CI": "true", "PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    func testSonotagDoesNotLinkLibtorchButTheTrainingToolDoes() throws {
        let front = try builtBinary("sonotag"), train = try builtBinary(TrainingTool.executableName)
        let ldd = URL(fileURLWithPath: "/usr/bin/ldd")
        guard FileManager.default.isExecutableFile(atPath: ldd.path) else { throw XCTSkip("no ldd") }
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
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("handover-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
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
