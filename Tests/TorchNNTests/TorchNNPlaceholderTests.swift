import XCTest
@testable import TorchNN

final class TorchNNPackageTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
