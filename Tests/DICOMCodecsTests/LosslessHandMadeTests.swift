// Tiny lossless JPEG streams assembled by hand, with their samples worked out on paper from
// ITU-T T.81 Annex H, for the cases dcmcjpeg cannot produce: restart intervals and the
// 16-bit difference category 16.
import DICOMCodecs
import XCTest

final class LosslessHandMadeTests: XCTestCase {
    /// SOI, DHT (DC table 0 with `counts`/`symbols`), SOF3, optional DRI, SOS, data, EOI.
    static func stream(
        precision: UInt8, width: UInt8, height: UInt8, counts: [UInt8], symbols: [UInt8],
        restartInterval: UInt8?, predictor: UInt8, data: [UInt8]
    ) -> [UInt8] {
        var s: [UInt8] = [0xFF, 0xD8]
        s += [0xFF, 0xC4, 0x00, UInt8(3 + 16 + symbols.count), 0x00] + counts + symbols
        s += [0xFF, 0xC3, 0x00, 0x0B, precision, 0x00, height, 0x00, width, 0x01, 0x01, 0x11, 0x00]
        if let interval = restartInterval { s += [0xFF, 0xDD, 0x00, 0x04, 0x00, interval] }
        s += [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, predictor, 0x00, 0x00]
        return s + data + [0xFF, 0xD9]
    }

    /// 4×2, 8-bit, predictor 7, a restart interval of one row. Codes: category 0 = 00,
    /// 1 = 01, 2 = 10.
    /// Row 0 (first line: default 128, then left neighbour):
    ///   130 = 128 + 2 → 10 10 · 131 = 130 + 1 → 01 1 · 129 = 131 − 2 → 10 01 · 129 = 129 + 0 → 00
    ///   bits 1010011100100, padded with ones: A7 27; then RST0.
    /// Row 1 restarts, so it is again a first line (not Rb, not predictor 7):
    ///   127 = 128 − 1 → 01 0 · 128 = 127 + 1 → 01 1 · 128 = 128 + 0 → 00 · 126 = 128 − 2 → 10 01
    ///   bits 010011001001, padded: 4C 9F.
    func testRestartIntervalResetsPrediction() throws {
        let data: [UInt8] = [0xA7, 0x27, 0xFF, 0xD0, 0x4C, 0x9F]
        let stream = Self.stream(
            precision: 8, width: 4, height: 2, counts: [0, 3] + [UInt8](repeating: 0, count: 14),
            symbols: [0, 1, 2], restartInterval: 4, predictor: 7, data: data)
        let image = try JPEGLossless.decode(stream)
        XCTAssertEqual(image.data, [130, 131, 129, 129, 127, 128, 128, 126])
        XCTAssertEqual(image.colorSpace, .gray)
        // Without its restart marker the row-1 data is misread or runs out: never the same image.
        var broken = stream
        broken.removeSubrange(broken.count - 6..<broken.count - 4)
        XCTAssertNotEqual(try? JPEGLossless.decode(broken).data, image.data)
    }

    /// 2×1, 16-bit, predictor 1. Category 16 has code 0 and no extra bits: difference 32768.
    /// x0 = (32768 + 32768) mod 65536 = 0; x1 = 0 + 32768 = 32768. Bits 00, padded: 3F.
    func testDifferenceCategory16() throws {
        let stream = Self.stream(
            precision: 16, width: 2, height: 1, counts: [1, 1] + [UInt8](repeating: 0, count: 14),
            symbols: [16, 0], restartInterval: nil, predictor: 1, data: [0x3F])
        let image = try JPEGLossless.decode(stream)
        XCTAssertEqual(image.bytesPerSample, 2)
        XCTAssertEqual(image.data, [0x00, 0x00, 0x00, 0x80])
    }

    func testMissingScanAndBadPredictorAreTypedErrors() {
        let noData = Self.stream(
            precision: 8, width: 4, height: 2, counts: [0, 3] + [UInt8](repeating: 0, count: 14),
            symbols: [0, 1, 2], restartInterval: nil, predictor: 1, data: [])
        XCTAssertThrowsError(try JPEGLossless.decode(noData)) { XCTAssertTrue($0 is CodecError) }
        let predictor0 = Self.stream(
            precision: 8, width: 4, height: 2, counts: [0, 3] + [UInt8](repeating: 0, count: 14),
            symbols: [0, 1, 2], restartInterval: nil, predictor: 0, data: [0xA7, 0x27])
        XCTAssertThrowsError(try JPEGLossless.decode(predictor0)) { XCTAssertTrue($0 is CodecError) }
    }
}
