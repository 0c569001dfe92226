import XCTest
@testable import Torch

final class TorchPackageTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
