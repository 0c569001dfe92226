import XCTest

@testable import SonoTagCommands

final class TrainingToolTests: XCTestCase {
    private func tool(
        _ environment: [String: String], executable: String? = "/opt/sono/bin/sonotag",
        existing: Set<String>
    ) -> TrainingTool {
        TrainingTool(environment: environment, executablePath: executable, isExecutable: { existing.contains($0) })
    }

    func testPrefersTheFolderOfTheRunningBinaryOverPATH() {
        let found = tool(
            ["PATH": "/usr/local/bin:/usr/bin"],
            existing: ["/opt/sono/bin/sonotag-train", "/usr/bin/sonotag-train"]
        ).locate()
        XCTAssertEqual(found, .success("/opt/sono/bin/sonotag-train"))
    }

    func testFallsBackToPATHInOrder() {
        let found = tool(
            ["PATH": "/usr/local/bin::/usr/bin"],
            existing: ["/usr/bin/sonotag-train", "/elsewhere/sonotag-train"]
        ).locate()
        XCTAssertEqual(found, .success("/usr/bin/sonotag-train"))
    }

    func testAnExplicitOverrideWinsAndMustExist() {
        let env = ["SONOTAG_TRAIN": "/custom/train", "PATH": "/usr/bin"]
        XCTAssertEqual(tool(env, existing: ["/custom/train", "/opt/sono/bin/sonotag-train"]).locate(), .success("/custom/train"))
        // A wrong explicit choice is reported, not silently replaced by another binary.
        let missing = tool(env, existing: ["/opt/sono/bin/sonotag-train"]).locate()
        XCTAssertEqual(missing, .failure(.overrideNotExecutable("/custom/train")))
        XCTAssertTrue("\(TrainingTool.LocateError.overrideNotExecutable("/custom/train"))".contains("SONOTAG_TRAIN=/custom/train"))
    }

    func testNotFoundListsWhereItLooked() {
        let result = tool(["PATH": "/usr/bin"], existing: []).locate()
        guard case .failure(let error) = result else { return XCTFail("found \(result)") }
        XCTAssertEqual(error, .notFound(searched: ["/opt/sono/bin", "/usr/bin"]))
        XCTAssertTrue(error.description.contains("sonotag-train"))
        XCTAssertTrue(error.description.contains("/opt/sono/bin, /usr/bin"))
    }

    func testEveryCommandHasAnAbstract() {
        for command in TrainingCommand.allCases {
            XCTAssertFalse(command.abstract.isEmpty, command.rawValue)
        }
    }
}

final class NegativeValuesTests: XCTestCase {
    func testNegativeNumbersAreJoinedToTheirOption() {
        XCTAssertEqual(NegativeValues.joined(["split", "--val", "-0.5", "--seed", "3"]), ["split", "--val=-0.5", "--seed", "3"])
        XCTAssertEqual(NegativeValues.joined(["x", "--offset", "-1", "-v"]), ["x", "--offset=-1", "-v"])
        XCTAssertEqual(NegativeValues.joined(["x", "--offset", "-.5"]), ["x", "--offset=-.5"])
        // Not numbers, already joined, or after the terminator: untouched.
        XCTAssertEqual(NegativeValues.joined(["x", "--out", "-v"]), ["x", "--out", "-v"])
        XCTAssertEqual(NegativeValues.joined(["x", "--a=-1", "-2"]), ["x", "--a=-1", "-2"])
        XCTAssertEqual(NegativeValues.joined(["x", "--", "--a", "-1"]), ["x", "--", "--a", "-1"])
    }

    func testExitStatusesAreDistinctAndDocumented() {
        XCTAssertEqual(Set(ExitStatus.allCases.map(\.rawValue)).count, ExitStatus.allCases.count)
        XCTAssertEqual(ExitStatus.usageError.rawValue, 64)
        XCTAssertEqual(ExitStatus.dataError.rawValue, 65)
        XCTAssertEqual(ExitStatus.interrupted.rawValue, 130)
    }
}
