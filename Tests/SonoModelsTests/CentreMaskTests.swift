import XCTest

@testable import SonoModels

final class CentreMaskTests: XCTestCase {
    func testPaperGeometryAt256x384() throws {
        let m = try CentreMask(height: 256, width: 384)
        // The paper's 128x192 centre, a quarter of the way in on each axis.
        XCTAssertEqual(m.centre, .init(top: 64, left: 96, height: 128, width: 192))
        XCTAssertEqual(m.hole, m.centre)
    }

    func testSmallAndOddSizes() throws {
        XCTAssertEqual(try CentreMask(height: 64, width: 96).centre, .init(top: 16, left: 24, height: 32, width: 48))
        // Odd sizes: the centre is floor(H/2) tall, and the the extra pixel goes to the bottom/right margin.
        let odd = try CentreMask(height: 7, width: 9)
        XCTAssertEqual(odd.centre, .init(top: 2, left: 2, height: 3, width: 4))
        XCTAssertEqual(try CentreMask(height: 2, width: 2).centre, .init(top: 0, left: 0, height: 1, width: 1))
    }

    func testOverlapShrinksOnlyTheHole() throws {
        let m = try CentreMask(height: 256, width: 384, overlap: 4)
        XCTAssertEqual(m.centre, .init(top: 64, left: 96, height: 128, width: 192))
        XCTAssertEqual(m.hole, .init(top: 68, left: 100, height: 120, width: 184))
    }

    func testRejectsImpossibleGeometry() {
        XCTAssertThrowsError(try CentreMask(height: 1, width: 10))
        XCTAssertThrowsError(try CentreMask(height: 64, width: 96, overlap: 16))
        XCTAssertThrowsError(try CentreMask(height: 64, width: 96, overlap: -1))
    }
}
