import XCTest
@testable import SonoTrain

final class SonoTrainPackageTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
