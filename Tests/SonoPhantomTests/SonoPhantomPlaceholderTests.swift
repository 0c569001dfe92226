import XCTest
@testable import SonoPhantom

final class SonoPhantomPackageTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
