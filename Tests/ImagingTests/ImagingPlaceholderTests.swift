import XCTest
@testable import Imaging

final class ImagingPackageTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
