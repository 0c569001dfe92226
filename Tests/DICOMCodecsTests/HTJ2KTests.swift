// High-Throughput JPEG 2000 (DICOM 1.2.840.10008.1.2.4.201-203) through openjpeg ≥ 2.5, on the
// lossless codestreams of HTJ2KVectors.swift; expected samples are the generator's formulas.
import DICOMCodecs
import XCTest

final class HTJ2KTests: XCTestCase {
    func testGray8() throws {
        let info = try JPEG2000.info(HTJ2KVectors.gray8)
        XCTAssertTrue(info.isHighThroughput)
        XCTAssertEqual([info.width, info.height, info.components], [16, 12, 1])
        let image = try JPEG2000.decode(HTJ2KVectors.gray8)
        XCTAssertEqual(image.bytesPerSample, 1)
        for y in 0..<12 { for x in 0..<16 { XCTAssertEqual(image.sample(x: x, y: y), (x * 7 + y * 13) % 256) } }
    }

    func testSigned16KeepsNegativeValues() throws {
        let info = try JPEG2000.info(HTJ2KVectors.signed16)
        XCTAssertEqual(info.precision, [16])
        XCTAssertEqual(info.isSigned, [true])
        let image = try JPEG2000.decode(HTJ2KVectors.signed16)
        XCTAssertTrue(image.isSigned)
        XCTAssertEqual(image.bytesPerSample, 2)
        for y in 0..<10 { for x in 0..<14 { XCTAssertEqual(image.sample(x: x, y: y), x * 331 - y * 977) } }
    }

    /// Three components with the reversible colour transform: openjpeg undoes it, so the output
    /// is the RGB that was encoded (DICOM YBR_RCT is presented as RGB).
    func testRGBWithReversibleColourTransform() throws {
        let info = try JPEG2000.info(HTJ2KVectors.rgb8)
        XCTAssertEqual(info.componentTransform, .reversible)
        let image = try JPEG2000.decode(HTJ2KVectors.rgb8)
        XCTAssertEqual(image.colorSpace, .rgb)
        for y in 0..<12 {
            for x in 0..<16 {
                let g = (x * 7 + y * 13) % 256
                XCTAssertEqual([0, 1, 2].map { image.sample(x: x, y: y, component: $0) }, [g, 255 - g, (g * 3) % 256])
            }
        }
    }

    func testTruncatedHTJ2KIsATypedError() {
        Robustness.hammer(HTJ2KVectors.rgb8, name: "htj2k rgb8", flips: 20, JPEG2000.decode)
        XCTAssertThrowsError(try JPEG2000.decode(Array(HTJ2KVectors.signed16.prefix(60)))) { XCTAssertTrue($0 is CodecError) }
    }
}
