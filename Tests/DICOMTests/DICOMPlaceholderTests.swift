import XCTest
@testable import DICOM

final class DICOMPackageTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
