// JPEG-LS and JPEG 2000 fixtures decoded and compared with pydicom 3 (pylibjpeg's CharLS and
// openjpeg builds) in expected.json. Both families decode deterministically, so even the lossy
// (near-lossless, 9/7) files are expected to match bit for bit.
import DICOMCodecs
import XCTest

final class LSAnd2000FixtureTests: XCTestCase {
    static let jpegLS: Set<String> = ["1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"]
    static let jpeg2000: Set<String> = [
        "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",
        "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"
    ]

    func compare(_ syntaxes: Set<String>, _ decode: ([UInt8]) throws -> CodecImage) throws -> Int {
        var matched = 0
        for fixture in try Fixtures.fixtures(withSyntaxes: syntaxes) where fixture.pixels != nil {
            do {
                let images = try Fixtures.frames(of: fixture).map { CodecImageView(try decode($0)) }
                let result = try PixelComparison(fixture: fixture, images: images)
                XCTAssertEqual(result.values.count, result.expectedShapeCount, fixture.name)
                XCTAssertEqual(result.md5, result.expectedMD5, "\(fixture.name): mean \(result.mean) vs \(result.expectedMean ?? .nan)")
                if result.md5 == result.expectedMD5 { matched += 1 }
            } catch {
                XCTFail("\(fixture.name): \(error)")
            }
        }
        return matched
    }

    func testJPEGLSFixturesMatchPydicomBitExactly() throws {
        XCTAssertEqual(try compare(Self.jpegLS, JPEGLS.decode), 5)
    }

    func testJPEG2000FixturesMatchPydicomBitExactly() throws {
        XCTAssertEqual(try compare(Self.jpeg2000, JPEG2000.decode), 7)
    }
}
