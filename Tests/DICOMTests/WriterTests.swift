import Foundation
import TestSupport
import XCTest

@testable import DICOM

final class WriterTests: XCTestCase {
    /// A smooth synthetic image (JPEG-friendly), 8-bit.
    static func image(rows: Int, columns: Int, samples: Int, frame: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * columns * samples)
        for y in 0..<rows {
            for x in 0..<columns {
                for s in 0..<samples {
                    let v = (x * 2 + y + frame * 16 + s * 60) % 256
                    out[(y * columns + x) * samples + s] = UInt8(v)
                }
            }
        }
        return out
    }

    static func spec(samples: Int, frames: Int) -> UltrasoundImage {
        var img = UltrasoundImage(
            rows: 48, columns: 64, samplesPerPixel: samples,
            frames: (0..<frames).map { image(rows: 48, columns: 64, samples: samples, frame: $0) })
        img.patientID = "PHANTOM-0001"
        img.patientName = "Phantom^Test"
        img.studyDate = "20240102"
        img.studyTime = "101500"
        img.studyDescription = "US THYROID"
        img.transducerData = ["SL15-4", "", "LINEAR"]
        img.transducerType = "LINEAR"
        img.regions = [
            UltrasoundRegion(
                minX0: 4, minY0: 2, maxX1: 59, maxY1: 45, spatialFormat: 1, dataType: 1, flags: 2,
                physicalUnitsX: 3, physicalUnitsY: 3, physicalDeltaX: 0.01, physicalDeltaY: 0.012)
        ]
        return img
    }

    static let encodings: [PixelEncoding] = [.native, .rle, .jpegBaseline(quality: 95)]

    func testRoundTripAllEncodings() throws {
        for samples in [1, 3] {
            for frames in [1, 3] {
                for enc in Self.encodings {
                    let img = Self.spec(samples: samples, frames: frames)
                    let bytes = try img.encoded(enc)
                    let file = try DICOMFile(bytes: bytes)
                    let label = "\(enc) samples=\(samples) frames=\(frames)"
                    XCTAssertEqual(file.transferSyntax, enc.transferSyntax, label)
                    XCTAssertEqual(file.sopClassUID, frames > 1 ? UltrasoundImage.usMultiFrameImageStorage : UltrasoundImage.usImageStorage)
                    XCTAssertEqual(try file.frameCount(), frames, label)
                    XCTAssertEqual(file.transducerData, ["SL15-4", "LINEAR"])
                    XCTAssertEqual(file.studyDescription, "US THYROID")
                    XCTAssertEqual(file.burnedInAnnotation, false)
                    XCTAssertEqual(file.ultrasoundRegions, img.regions, label)
                    for i in 0..<frames {
                        let f = try file.decodeFrame(i)
                        XCTAssertEqual(f.samplesPerPixel, samples)
                        if case .jpegBaseline = enc {
                            let diff = zip(f.data, img.frames[i]).map { abs(Int($0) - Int($1)) }
                            let mean = Double(diff.reduce(0, +)) / Double(diff.count)
                            XCTAssertLessThan(mean, 3, label)
                        } else {
                            XCTAssertEqual(f.data, img.frames[i], label)
                        }
                    }
                }
            }
        }
    }

    func testWrittenFilesPassDciodvfy() throws {
        let tool = try Prerequisite.executable("dciodvfy", package: "dicom3tools")
        let dir = try temporaryFolder("writer")
        for samples in [1, 3] {
            for frames in [1, 2] {
                for enc in Self.encodings {
                    let url = dir.appendingPathComponent("us-\(samples)-\(frames)-\(enc).dcm")
                    try Self.spec(samples: samples, frames: frames).write(to: url, encoding: enc)
                    let out = try ProcessRunner.run(tool, [url.path]).combined
                    let errors = out.split(separator: "\n").filter { $0.hasPrefix("Error") }
                    XCTAssertTrue(errors.isEmpty, "\(url.lastPathComponent):\n\(out)")
                    XCTAssertTrue(out.contains("US"), "dciodvfy did not recognise the IOD: \(out)")
                }
            }
        }
    }

    func testRLEPackBitsRoundTripAndKnownEncoding() throws {
        // PS3.5 G.3.1: a run of 3 equal bytes is (-2, v); a literal of 2 is (1, a, b).
        var out: [UInt8] = []
        RLE.packBits([7, 7, 7, 1, 2], into: &out)
        XCTAssertEqual(out, [0xFE, 7, 1, 1, 2])
        let px: [UInt8] = (0..<(13 * 7 * 3)).map { UInt8(($0 * 37) % 11) }
        let enc = try RLE.encode(px, rows: 13, columns: 7, samplesPerPixel: 3, bitsAllocated: 8)
        XCTAssertEqual(try RLE.decode(enc, rows: 13, columns: 7, samplesPerPixel: 3, bitsAllocated: 8), px)
    }

    func testUIDsAreValid() {
        for _ in 0..<20 {
            let u = UID.make()
            XCTAssertTrue(u.hasPrefix("2.25."))
            XCTAssertLessThanOrEqual(u.count, 64)
            XCTAssertFalse(u.dropFirst(5).hasPrefix("0") && u.count > 6)
        }
    }
}
