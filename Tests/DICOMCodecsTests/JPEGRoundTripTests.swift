// encodeBaseline → decode round trips, and the colour-transform switch checked against the
// JFIF (ITU-T T.871) RGB→YCbCr equations computed here by hand.
import DICOMCodecs
import XCTest

final class JPEGRoundTripTests: XCTestCase {
    /// A smooth colour test card: gradients plus a soft disc, so JPEG quality 90 should
    /// reproduce it closely.
    static func testCard(width: Int, height: Int) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let dx = Double(x - width / 2), dy = Double(y - height / 2)
                let disc = exp(-(dx * dx + dy * dy) / Double(width * height / 8))
                let i = (y * width + x) * 3
                pixels[i] = UInt8(40 + 180 * x / max(width - 1, 1))
                pixels[i + 1] = UInt8(30 + 190 * y / max(height - 1, 1))
                pixels[i + 2] = UInt8(50 + 150 * disc)
            }
        }
        return pixels
    }

    static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count)
        let mse = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(a.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    func testColourRoundTripsStayClose() throws {
        let (w, h) = (61, 37)  // odd sizes exercise partial MCUs
        let card = Self.testCard(width: w, height: h)
        for subsampling in [JPEGSubsampling.s444, .s422] {
            let stream = try JPEG.encodeBaseline(card, width: w, height: h, components: 3, quality: 90, subsampling: subsampling)
            let info = try JPEG.info(stream)
            XCTAssertEqual(info.process, .baseline)
            XCTAssertEqual([info.width, info.height, info.components, info.precision], [w, h, 3, 8])
            XCTAssertTrue(info.hasJFIF)
            XCTAssertEqual(info.statedColorModel, .ycbcr)
            XCTAssertEqual(info.horizontalSampling, subsampling == .s422 ? [2, 1, 1] : [1, 1, 1])
            let image = try JPEG.decode(stream, colorTransform: .rgb)
            XCTAssertEqual(image.colorSpace, .rgb)
            XCTAssertEqual(image.data.count, card.count)
            XCTAssertGreaterThan(Self.psnr(image.data, card), 35, "\(subsampling)")
        }
    }

    func testGrayRoundTrip() throws {
        let (w, h) = (40, 33)
        let gray = (0..<(w * h)).map { UInt8(($0 % w) * 5 + ($0 / w)) }
        let stream = try JPEG.encodeBaseline(gray, width: w, height: h, components: 1, quality: 95, subsampling: .gray)
        let image = try JPEG.decode(stream, colorTransform: .rgb)
        XCTAssertEqual(image.colorSpace, .gray)
        XCTAssertEqual(image.components, 1)
        XCTAssertGreaterThan(Self.psnr(image.data, gray), 38)
    }

    /// `.native` must return the stored YCbCr: compare with the JFIF equations applied to the
    /// source pixels (4:4:4, so no chroma resampling blurs the comparison).
    func testNativeOutputIsStoredYCbCr() throws {
        let (w, h) = (32, 24)
        let card = Self.testCard(width: w, height: h)
        let stream = try JPEG.encodeBaseline(card, width: w, height: h, components: 3, quality: 100, subsampling: .s444)
        let native = try JPEG.decode(stream, colorTransform: .native)
        XCTAssertEqual(native.colorSpace, .ybrFull)
        var worst = 0.0
        for p in 0..<(w * h) {
            let r = Double(card[3 * p]), g = Double(card[3 * p + 1]), b = Double(card[3 * p + 2])
            let ycc = [
                0.299 * r + 0.587 * g + 0.114 * b,
                -0.168736 * r - 0.331264 * g + 0.5 * b + 128,
                0.5 * r - 0.418688 * g - 0.081312 * b + 128
            ]
            for c in 0..<3 { worst = max(worst, abs(ycc[c] - Double(native.data[3 * p + c]))) }
        }
        XCTAssertLessThanOrEqual(worst, 3)
        // And the stored chroma really is chroma: far from the RGB values.
        let rgb = try JPEG.decode(stream, colorTransform: .rgb)
        XCTAssertLessThan(Self.psnr(native.data, rgb.data), 20)
    }

    func testEncoderRejectsBadArguments() {
        XCTAssertThrowsError(try JPEG.encodeBaseline([0, 0, 0], width: 2, height: 2, components: 1, quality: 90, subsampling: .gray))
        XCTAssertThrowsError(try JPEG.encodeBaseline([0, 0, 0, 0], width: 2, height: 2, components: 1, quality: 0, subsampling: .gray))
        XCTAssertThrowsError(
            try JPEG.encodeBaseline(
                [UInt8](repeating: 0, count: 12), width: 2, height: 2, components: 3,
                quality: 90, subsampling: .gray))
    }
}
