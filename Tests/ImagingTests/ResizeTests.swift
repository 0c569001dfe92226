import XCTest
@testable import Imaging

final class ResizeTests: XCTestCase {
    private func assertClose(_ got: [Float], _ want: [Float], accuracy: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, file: file, line: line)
        for (i, (g, w)) in zip(got, want).enumerated() {
            XCTAssertEqual(g, w, accuracy: accuracy, "index \(i)", file: file, line: line)
        }
    }

    func testHandComputedBilinearAndArea() throws {
        // 2 → 4, align_corners=False: source x = (i + 0.5) / 2 − 0.5 = −0.25→0, 0.25, 0.75, 1.25→clamped.
        let ramp = try GrayImage(width: 2, height: 1, pixels: [0, 8])
        assertClose(ramp.resized(width: 4, height: 1, method: .bilinear).pixels, [0, 2, 6, 8])
        // 4 → 2 area: pair means.
        let row = try GrayImage(width: 4, height: 1, pixels: [1, 2, 3, 4])
        assertClose(row.resized(width: 2, height: 1, method: .area).pixels, [1.5, 3.5])
        // 3 → 2 area (non-integer): output 0 covers [0, 1.5): (1·1 + 0.5·2) / 1.5; output 1 covers [1.5, 3).
        let three = try GrayImage(width: 3, height: 1, pixels: [1, 2, 4])
        assertClose(three.resized(width: 2, height: 1, method: .area).pixels, [4.0 / 3.0, 10.0 / 3.0])
    }

    // Reference values from PyTorch 1.13:
    //   x = (torch.arange(15.).reshape(1, 1, 3, 5) ** 2) % 7
    //   F.interpolate(x, size=(7, 4), mode="bilinear", align_corners=False)
    //   y = torch.tensor([[3,1,4,1,5,9],[2,6,5,3,5,8],[9,7,9,3,2,3],[8,4,6,2,6,4.]]).reshape(1, 1, 4, 6)
    //   F.interpolate(y, size=(2, 3), mode="area"); F.interpolate(y, size=(2, 2), mode="area")
    //   F.interpolate(y, size=(5, 4), mode="nearest"); F.interpolate(y, size=(3, 4), mode="bilinear")
    private let y: [Float] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4]

    func testBilinearUpMatchesTorch() throws {
        let x = try GrayImage(width: 5, height: 3, pixels: [0, 1, 4, 2, 2, 4, 1, 0, 1, 4, 2, 2, 4, 1, 0])
        assertClose(x.resized(width: 4, height: 7, method: .bilinear).pixels, [
            0.125, 2.125, 2.75, 2.0, 0.625, 1.910714, 2.446429, 2.232143, 2.125, 1.267857, 1.535714, 2.928571,
            3.625, 0.625, 0.625, 3.625, 2.928571, 1.535714, 1.267857, 2.125, 2.232143, 2.446429, 1.910714, 0.625,
            2.0, 2.75, 2.125, 0.125,
        ])
    }

    func testBilinearDownMatchesTorch() throws {
        let image = try GrayImage(width: 6, height: 4, pixels: y)
        assertClose(image.resized(width: 4, height: 3, method: .bilinear).pixels, [
            2.583333, 3.583333, 2.25, 7.875, 5.75, 6.875, 3.125, 5.0, 7.25, 6.0, 2.958333, 4.208333,
        ])
    }

    func testAreaMatchesTorchForIntegerFactors() throws {
        let image = try GrayImage(width: 6, height: 4, pixels: y)
        assertClose(image.resized(width: 3, height: 2, method: .area).pixels, [3.0, 3.25, 6.75, 7.0, 5.0, 3.75])
        assertClose(image.resized(width: 2, height: 2, method: .area).pixels, [3.5, 5.166667, 7.166667, 3.333333])
    }

    func testNearestMatchesTorchAndKeepsLabels() throws {
        let image = try GrayImage(width: 6, height: 4, pixels: y)
        let want: [Float] = [3, 1, 1, 5, 3, 1, 1, 5, 2, 6, 3, 5, 9, 7, 3, 2, 8, 4, 2, 6]
        assertClose(image.resized(width: 4, height: 5, method: .nearest).pixels, want)
        let labels = try Raster(width: 6, height: 4, channels: 1, pixels: y.map { UInt8($0) })
        XCTAssertEqual(labels.resized(width: 4, height: 5, method: .nearest).pixels, want.map { UInt8($0) })
    }

    func testRasterBilinearRoundsPerChannel() throws {
        let raster = try Raster(width: 2, height: 1, channels: 3, pixels: [0, 100, 255, 10, 101, 0])
        let out = raster.resized(width: 4, height: 1, method: .bilinear)
        // Weights per output column: (1, 0), (0.75, 0.25), (0.25, 0.75), (0, 1).
        XCTAssertEqual(out.pixels, [0, 100, 255, 3, 100, 191, 8, 101, 64, 10, 101, 0])
    }

    func testEmptyTargetsGiveEmptyImages() {
        let image = GrayImage(width: 3, height: 3, fill: 1)
        XCTAssertTrue(image.resized(width: 0, height: 5).isEmpty)
        XCTAssertTrue(GrayImage(width: 0, height: 0).resized(width: 2, height: 2).pixels.allSatisfy { $0 == 0 })
    }
}
