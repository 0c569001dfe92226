import XCTest

@testable import SonoTagCommands

final class AllocatorTuningTests: XCTestCase {
    /// glibc takes both values (it refuses an mmap threshold above 32 MB on 64-bit, so a value
    /// out of its range fails here), and a user's own MALLOC_* variable is left to stand.
    func testGlibcTakesTheSettingsUnlessTheUserChoseTheirOwn() {
        XCTAssertEqual(AllocatorTuning.apply(environment: [:]), .applied)
        XCTAssertEqual(
            AllocatorTuning.apply(environment: ["MALLOC_TRIM_THRESHOLD_": "0"]), .leftToEnvironment("MALLOC_TRIM_THRESHOLD_"))
    }

    /// The switch lands in the process's environment, where c10 reads it; a user's own value,
    /// even "0", stands.
    func testHugePagesAreRequestedUnlessTheUserDecided() throws {
        let name = AllocatorTuning.hugePageVariable
        let saved = getenv(name).map { String(cString: $0) }
        defer { if let saved { setenv(name, saved, 1) } else { unsetenv(name) } }
        unsetenv(name)
        XCTAssertNil(getenv(name))
        XCTAssertEqual(AllocatorTuning.requestHugePagesForTensors(environment: [:]), .applied)
        XCTAssertEqual(getenv(name).map { String(cString: $0) }, "1")
        setenv(name, "0", 1)
        XCTAssertEqual(AllocatorTuning.requestHugePagesForTensors(environment: [name: "0"]), .leftToEnvironment(name))
        XCTAssertEqual(getenv(name).map { String(cString: $0) }, "0")
    }
}
