import XCTest
@testable import SonoEval

final class SonoEvalPackageTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
