import TestSupport
import XCTest

@testable import Imaging

final class ResizeTests: XCTestCase {
    func testHandComputedBilinearAndArea() throws {
        // 2 → 4, align_corners=False: source x = (i + 0.5) / 2 − 0.5 = −0.25→0, 0.25, 0.75, 1.25→clamped.
        let ramp = try GrayImage(width: 2, height: 1, pixels: [0, 8])
        assertClose(ramp.resized(width: 4, height: 1, method: .bilinear).pixels, [0, 2, 6, 8], accuracy: 1e-4)
        // 4 → 2 area: pair means.
        let row = try GrayImage(width: 4, height: 1, pixels: [1, 2, 3, 4])
        assertClose(row.resized(width: 2, height: 1, method: .area).pixels, [1.5, 3.5], accuracy: 1e-4)
        // 3 → 2 area (non-integer): output 0 covers [0, 1.5): (1·1 + 0.5·2) / 1.5; output 1 covers [1.5, 3).
        let three = try GrayImage(width: 3, height: 1, pixels: [1, 2, 4])
        assertClose(three.resized(width: 2, height: 1, method: .area).pixels, [4.0 / 3.0, 10.0 / 3.0], accuracy: 1e-4)
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
        assertClose(
            x.resized(width: 4, height: 7, method: .bilinear).pixels,
            [
                0.125, 2.125, 2.75, 2.0, 0.625, 1.910714, 2.446429, 2.232143, 2.125, 1.267857, 1.535714, 2.928571,
                3.625, 0.625, 0.625, 3.625, 2.928571, 1.535714, 1.267857, 2.125, 2.232143, 2.446429, 1.910714, 0.625,
                2.0, 2.75, 2.125, 0.125
            ], accuracy: 1e-4)
    }

    func testBilinearDownMatchesTorch() throws {
        let image = try GrayImage(width: 6, height: 4, pixels: y)
        assertClose(
            image.resized(width: 4, height: 3, method: .bilinear).pixels,
            [
                2.583333, 3.583333, 2.25, 7.875, 5.75, 6.875, 3.125, 5.0, 7.25, 6.0, 2.958333, 4.208333
            ], accuracy: 1e-4)
    }

    func testAreaMatchesTorchForIntegerFactors() throws {
        let image = try GrayImage(width: 6, height: 4, pixels: y)
        assertClose(image.resized(width: 3, height: 2, method: .area).pixels, [3.0, 3.25, 6.75, 7.0, 5.0, 3.75], accuracy: 1e-4)
        assertClose(image.resized(width: 2, height: 2, method: .area).pixels, [3.5, 5.166667, 7.166667, 3.333333], accuracy: 1e-4)
    }

    /// OpenCV 4.x/5.0: cv2.resize(y.astype(np.float32), (4, 3), interpolation=cv2.INTER_AREA),
    /// a non-integer shrink (6 → 4 across, 4 → 3 down) where pixels are split by area.
    func testAreaMatchesOpenCVForNonIntegerFactors() throws {
        let image = try GrayImage(width: 6, height: 4, pixels: y)
        assertClose(
            image.resized(width: 4, height: 3, method: .area).pixels,
            [
                2.5833335, 3.5833335, 2.6666667, 7.5, 5.833334, 6.833334, 3.1666667, 4.8333335, 7.0833335, 6.0833335, 3.1666667, 4.166667
            ], accuracy: 1e-4)
    }

    func testNearestMatchesTorchAndKeepsLabels() throws {
        let image = try GrayImage(width: 6, height: 4, pixels: y)
        let want: [Float] = [3, 1, 1, 5, 3, 1, 1, 5, 2, 6, 3, 5, 9, 7, 3, 2, 8, 4, 2, 6]
        assertClose(image.resized(width: 4, height: 5, method: .nearest).pixels, want, accuracy: 1e-4)
        let labels = try Raster(width: 6, height: 4, channels: 1, pixels: y.map { UInt8($0) })
        XCTAssertEqual(labels.resized(width: 4, height: 5, method: .nearest).pixels, want.map { UInt8($0) })
    }

    /// PyTorch 1.13: F.interpolate(torch.arange(26.).reshape(1, 1, 1, 26), size=(1, 22), mode="nearest").
    /// Exact i·26/22 would give 13 at i = 11; PyTorch's float32 product gives 12.
    func testNearestIndexRoundingFollowsTorch() throws {
        let row = try GrayImage(width: 26, height: 1, pixels: (0..<26).map(Float.init))
        XCTAssertEqual(
            row.resized(width: 22, height: 1, method: .nearest).pixels,
            [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24])
        let ten = try GrayImage(width: 10, height: 1, pixels: (0..<10).map(Float.init))
        XCTAssertEqual(ten.resized(width: 6, height: 1, method: .nearest).pixels, [0, 1, 3, 5, 6, 8])
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
