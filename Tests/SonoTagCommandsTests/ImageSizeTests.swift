import XCTest

@testable import SonoTagCommands

/// `--size HxW`, as every command reads it.
final class ImageSizeTests: XCTestCase {
    func testSpellingsAndConstraints() throws {
        for text in ["256x384", "256X384", "256×384", "256,384", " 256 x 384 "] {
            XCTAssertEqual(try ImageSize(parsing: text, .multipleOf32), ImageSize(height: 256, width: 384), text)
        }
        XCTAssertEqual(try ImageSize(parsing: "20x30", .positive).description, "20x30")
        XCTAssertThrowsError(try ImageSize(parsing: "20x30", .atLeast32)) { XCTAssertTrue("\($0)".contains("at least 32"), "\($0)") }
        XCTAssertEqual(try ImageSize(parsing: "40x50", .atLeast32), ImageSize(height: 40, width: 50))
        XCTAssertThrowsError(try ImageSize(parsing: "40x64", .multipleOf32)) { XCTAssertTrue("\($0)".contains("multiples of 32"), "\($0)") }
        for bad in ["256", "256x", "x384", "0x32", "-32x32", "256x384x3", "big"] {
            XCTAssertThrowsError(try ImageSize(parsing: bad, .positive), bad) { XCTAssertTrue("\($0)".contains(bad), "\($0)") }
        }
        XCTAssertEqual(commaSeparated(" vgg16bn, resnet50 ,,"), ["vgg16bn", "resnet50"])
    }
}
