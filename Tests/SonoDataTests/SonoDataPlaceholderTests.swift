import XCTest
@testable import SonoData

final class SonoDataPackageTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
