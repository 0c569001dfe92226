import XCTest

@testable import Imaging

final class JPEGTests: XCTestCase {
    func testGrayJPEGMatchesPillow() throws {
        let raster = try ImageFile.decode(bytes(base64: JPEGFixtures.gray), source: "gray.jpg")
        XCTAssertEqual([raster.width, raster.height, raster.channels], [8, 2, 1])
        for (got, want) in zip(raster.pixels, JPEGFixtures.grayDecoded) { XCTAssertEqual(Int(got), Int(want), accuracy: 1) }
    }

    func testColourJPEGMatchesPillow() throws {
        let raster = try ImageFile.decode(bytes(base64: JPEGFixtures.rgb), source: "rgb.jpg")
        XCTAssertEqual([raster.width, raster.height, raster.channels], [4, 2, 3])
        for (got, want) in zip(raster.pixels, JPEGFixtures.rgbDecoded) { XCTAssertEqual(Int(got), Int(want), accuracy: 2) }
    }

    func testTruncatedJPEGIsCorrupt() {
        let data = bytes(base64: JPEGFixtures.rgb)
        XCTAssertThrowsError(try ImageFile.decode(Array(data.prefix(data.count - 40)), source: "cut.jpg")) { error in
            guard case .corrupt(path: "cut.jpg", _) = error as? ImagingError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try ImageFile.decode([0xFF, 0xD8, 0xFF, 0x00, 0x01], source: "stub.jpg")) { error in
            guard case .corrupt(path: "stub.jpg", _) = error as? ImagingError else { return XCTFail("\(error)") }
        }
    }
}
