import XCTest
@testable import SonoModels

final class SonoModelsPackageTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
