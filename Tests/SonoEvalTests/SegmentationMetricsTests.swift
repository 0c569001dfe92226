import Imaging
import XCTest

@testable import SonoEval

final class SegmentationMetricsTests: XCTestCase {
    private func mask(_ rows: [String]) throws -> BinaryMask {
        try BinaryMask(width: rows[0].count, height: rows.count, bits: rows.joined().map { $0 == "#" })
    }

    func testHandComputedDiceAndIoU() throws {
        let truth = try mask(["##..", "##..", "....", "...."])  // 4 pixels
        let prediction = try mask([".##.", ".##.", ".##.", "...."])  // 6 pixels, 2 overlap
        XCTAssertEqual(try SegmentationMetrics.dice(prediction: prediction, truth: truth), 2.0 * 2 / 10, accuracy: 1e-12)
        XCTAssertEqual(try SegmentationMetrics.iou(prediction: prediction, truth: truth), 2.0 / 8, accuracy: 1e-12)
        let empty = BinaryMask(width: 4, height: 4)
        XCTAssertEqual(try SegmentationMetrics.dice(prediction: empty, truth: empty), 1)
        XCTAssertEqual(try SegmentationMetrics.dice(prediction: empty, truth: truth), 0)
        XCTAssertNil(try SegmentationMetrics.hausdorff95(prediction: empty, truth: truth))
        XCTAssertThrowsError(try SegmentationMetrics.dice(prediction: BinaryMask(width: 3, height: 4), truth: truth))
    }

    /// Two ellipses and a stray blob, checked against MedPy's hd95 written with SciPy 1.17:
    ///
    ///     fp = generate_binary_structure(2, 1)
    ///     rb = result ^ binary_erosion(result, structure=fp, iterations=1)
    ///     fb = reference ^ binary_erosion(reference, structure=fp, iterations=1)
    ///     d1 = distance_transform_edt(~fb, sampling=spacing)[rb]; d2 = distance_transform_edt(~rb, sampling=spacing)[fb]
    ///     np.percentile(np.hstack((d1, d2)), 95)
    ///     yy, xx = np.mgrid[0:40, 0:50]
    ///     truth = ((xx - 24) / 15.0) ** 2 + ((yy - 20) / 10.0) ** 2 <= 1
    ///     pred = ((xx - 27) / 13.0) ** 2 + ((yy - 18) / 11.0) ** 2 <= 1; pred[5:9, 40:46] = True
    func testHausdorff95AndOverlapMatchSciPy() throws {
        var truth = BinaryMask(width: 50, height: 40), prediction = BinaryMask(width: 50, height: 40)
        for y in 0..<40 {
            for x in 0..<50 {
                let tx = Double(x - 24) / 15, ty = Double(y - 20) / 10
                let px = Double(x - 27) / 13, py = Double(y - 18) / 11
                truth[x, y] = tx * tx + ty * ty <= 1
                prediction[x, y] = px * px + py * py <= 1 || ((5..<9).contains(y) && (40..<46).contains(x))
            }
        }
        XCTAssertEqual(try SegmentationMetrics.dice(prediction: prediction, truth: truth), 0.7927350427350427, accuracy: 1e-12)
        XCTAssertEqual(try SegmentationMetrics.iou(prediction: prediction, truth: truth), 0.6566371681415929, accuracy: 1e-12)
        XCTAssertEqual(
            try XCTUnwrap(SegmentationMetrics.hausdorff95(prediction: prediction, truth: truth)), 10.07390753524675, accuracy: 1e-9)
        // sampling=(2.0, 0.5) in SciPy's (row, column) order: 0.5 per x step, 2 per y step.
        XCTAssertEqual(
            try XCTUnwrap(SegmentationMetrics.hausdorff95(prediction: prediction, truth: truth, spacing: (x: 0.5, y: 2))),
            11.019477046672728, accuracy: 1e-9)
    }

    func testMaskFromRasterAndBoundary() throws {
        let raster = try Raster(width: 3, height: 1, channels: 3, pixels: [0, 0, 0, 0, 7, 0, 255, 255, 255])
        XCTAssertEqual(BinaryMask(raster).bits, [false, true, true])
        let square = try mask(["....", ".##.", ".##.", "...."])
        XCTAssertEqual(square.boundary.count, 4)
        let block = try mask(["###", "###", "###"])
        XCTAssertEqual(block.boundary.count, 8)  // only the centre has all four neighbours set
    }
}
