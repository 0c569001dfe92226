// JPEG XL through libjxl, on streams cjxl (libjxl-tools) encodes at test time from samples the
// test chooses: lossless streams must decode to exactly those samples, lossy ones to exactly
// what djxl makes of them, and a recompressed JPEG to djxl's pixels (and djxl must give the
// original JPEG back, so the stream really is a recompression). Needs libjxl-tools (`make setup`).
import DICOMCodecs
import Foundation
import TestSupport
import XCTest

extension CodecImage {
    /// Every sample as an integer, interleaved by pixel.
    var samples: [Int] {
        (0..<(width * height * components)).map { i in
            sample(x: (i / components) % width, y: i / (components * width), component: i % components)
        }
    }
}

final class JPEGXLTests: XCTestCase {
    func testLosslessStreamsFromCjxlDecodeToTheSourceSamples() throws {
        let folder = try temporaryFolder("jxl-lossless")
        let cases: [(name: String, channels: Int, maxValue: Int, bits: Int, arguments: [String])] = [
            ("gray8", 1, 255, 8, ["-d", "0"]),
            ("gray12", 1, 4095, 12, ["-d", "0"]),
            ("gray16", 1, 65535, 16, ["-d", "0"]),
            ("rgb8", 3, 255, 8, ["-d", "0"]),
            ("rgb16", 3, 65535, 16, ["-d", "0", "-e", "3"]),
            ("gray10-container", 1, 1023, 10, ["-d", "0", "--container=1"])
        ]
        for (k, c) in cases.enumerated() {
            // Odd sizes: nothing lines up with libjxl's 8×8 blocks or 256×256 groups.
            let source = PNMImage.speckle(width: 37, height: 23, channels: c.channels, maxValue: c.maxValue, seed: UInt64(k))
            let (stream, _) = try JPEGXLTools.encode(source, named: c.name, in: folder, c.arguments)
            let info = try JPEGXL.info(stream)
            XCTAssertEqual(info.width, 37, c.name)
            XCTAssertEqual(info.height, 23, c.name)
            XCTAssertEqual(info.components, c.channels, c.name)
            XCTAssertEqual(info.bitsPerSample, c.bits, c.name)
            XCTAssertTrue(info.usesOriginalProfile, "\(c.name): a lossless stream codes the original samples")
            // cjxl wraps 16-bit images in a container by itself (for their level box); asked, it always does.
            if c.name.hasSuffix("container") { XCTAssertTrue(info.isContainer, c.name) }
            let image = try JPEGXL.decode(stream)
            XCTAssertEqual(image.bytesPerSample, c.bits > 8 ? 2 : 1, c.name)
            XCTAssertEqual(image.colorSpace, c.channels == 1 ? .gray : .rgb, c.name)
            XCTAssertTrue(image.samples == source.samples, "\(c.name): decoded samples differ from the source")
        }
    }

    func testLossyStreamsDecodeAsDjxlDoes() throws {
        let folder = try temporaryFolder("jxl-lossy")
        let cases: [(name: String, channels: Int, maxValue: Int)] = [("gray8", 1, 255), ("rgb8", 3, 255), ("gray16", 1, 65535)]
        for (k, c) in cases.enumerated() {
            let source = PNMImage.speckle(width: 45, height: 31, channels: c.channels, maxValue: c.maxValue, seed: 100 + UInt64(k))
            let (stream, jxl) = try JPEGXLTools.encode(source, named: c.name, in: folder, ["-d", "2"])
            XCTAssertFalse(try JPEGXL.info(stream).usesOriginalProfile, "\(c.name): a lossy stream is coded in XYB")
            let reference = folder.appendingPathComponent("\(c.name)-djxl.\(c.channels == 1 ? "pgm" : "ppm")")
            try JPEGXLTools.decode(jxl, to: reference)
            let expected = try PNMImage(contentsOf: reference)
            XCTAssertEqual(expected.maxValue, c.maxValue, c.name)
            let image = try JPEGXL.decode(stream)
            XCTAssertEqual(image.components, c.channels, c.name)
            XCTAssertTrue(image.samples == expected.samples, "\(c.name): decoded samples differ from djxl's")
            XCTAssertNotEqual(image.samples, source.samples, "\(c.name): -d 2 should not be lossless")
        }
    }

    /// cjxl recompresses a JPEG losslessly by default (JPEG XL transfer syntax .111): decoding to
    /// pixels gives RGB (libjxl undoes the JPEG's YCbCr) equal to djxl's, and as faithful to the
    /// image the JPEG was made from as libjpeg-turbo's decoding of the JPEG itself.
    func testRecompressedJPEGDecodesToRGBPixels() throws {
        let folder = try temporaryFolder("jxl-jpeg")
        let cases: [(name: String, components: Int, subsampling: JPEGSubsampling)] = [
            ("rgb422", 3, .s422), ("rgb444", 3, .s444), ("gray", 1, .gray)
        ]
        for (k, c) in cases.enumerated() {
            let source = PNMImage.speckle(width: 40, height: 24, channels: c.components, maxValue: 255, seed: 200 + UInt64(k))
            let jpeg = try JPEG.encodeBaseline(
                source.samples.map(UInt8.init), width: 40, height: 24, components: c.components,
                quality: 85, subsampling: c.subsampling)
            let jpegURL = folder.appendingPathComponent("\(c.name).jpg")
            try Data(jpeg).write(to: jpegURL)
            let jxl = folder.appendingPathComponent("\(c.name).jxl")
            let stream = try JPEGXLTools.encode(jpegURL, to: jxl, [])
            let reconstructed = folder.appendingPathComponent("\(c.name)-back.jpg")
            try JPEGXLTools.decode(jxl, to: reconstructed)
            XCTAssertEqual(
                [UInt8](try Data(contentsOf: reconstructed)), jpeg,
                "\(c.name): djxl does not give the JPEG back, so this is no recompression")
            let reference = folder.appendingPathComponent("\(c.name)-djxl.\(c.components == 1 ? "pgm" : "ppm")")
            try JPEGXLTools.decode(jxl, to: reference)
            let image = try JPEGXL.decode(stream)
            XCTAssertEqual(image.colorSpace, c.components == 1 ? .gray : .rgb, c.name)
            XCTAssertTrue(image.samples == (try PNMImage(contentsOf: reference)).samples, "\(c.name): decoded samples differ from djxl's")
            // libjxl decodes the coefficients at higher precision than libjpeg-turbo's integer
            // IDCT (measured: mean 2, max 17 levels apart on this texture), so they are compared
            // by their mean error against the source rather than with each other.
            let turbo = try JPEG.decode(jpeg, colorTransform: .rgb).samples
            func meanError(_ decoded: [Int]) -> Double {
                Double(zip(decoded, source.samples).map { abs($0 - $1) }.reduce(0, +)) / Double(decoded.count)
            }
            XCTAssertLessThanOrEqual(
                meanError(image.samples), meanError(turbo) + 1,
                "\(c.name): libjxl's pixels are further from the source than libjpeg-turbo's")
            let apart = Double(zip(image.samples, turbo).map { abs($0 - $1) }.reduce(0, +)) / Double(turbo.count)
            XCTAssertLessThan(apart, 4, "\(c.name): libjxl and libjpeg-turbo are \(apart) levels apart on average")
        }
    }

    func testDamagedStreamsAreCodecErrors() throws {
        let folder = try temporaryFolder("jxl-damaged")
        let source = PNMImage.speckle(width: 33, height: 17, channels: 3, maxValue: 255, seed: 300)
        for (name, arguments) in [("lossless", ["-d", "0"]), ("lossy", ["-d", "1"])] {
            let (stream, _) = try JPEGXLTools.encode(source, named: name, in: folder, arguments)
            let errors = Robustness.hammer(stream, name: "jxl \(name)", flips: 30, JPEGXL.decode)
            // Every cut short of the whole stream must fail: a partial image is never returned.
            XCTAssertGreaterThanOrEqual(errors, min(stream.count, 512), "jxl \(name)")
        }
        for bytes: [UInt8] in [[], [0xFF], [0xFF, 0x0A], [0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20], [0xFF, 0xD8, 0xFF, 0xD9]] {
            XCTAssertThrowsError(try JPEGXL.decode(bytes), "\(bytes)") { XCTAssertTrue($0 is CodecError, "\($0)") }
            XCTAssertThrowsError(try JPEGXL.info(bytes), "\(bytes)") { XCTAssertTrue($0 is CodecError, "\($0)") }
        }
    }
}
