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
}
