// Encapsulated JPEG XL files written with SonoTag's own writer, several frames each, one cjxl
// codestream per frame (libjxl-tools, at test time), in the three JPEG XL transfer syntaxes.
import DICOMCodecs
import Foundation
import TestSupport
import XCTest

@testable import DICOM

final class JPEGXLFileTests: XCTestCase {
    private func samples(of frame: PixelFrame) -> [Int] { (0..<frame.valueCount).map { Int(frame.value(at: $0)) } }

    private func header(_ source: PNMImage, bits: Int, photometric: String, frames: Int) -> DataSet {
        var ds = Build.image(
            rows: source.height, columns: source.width, samples: source.channels,
            bits: bits > 8 ? 16 : 8, photometric: photometric, frames: frames)
        ds.set(.bitsStored, .US, int: bits)
        ds.set(.highBit, .US, int: bits - 1)
        if source.channels == 3 { ds.set(.planarConfiguration, .US, int: 0) }
        return ds
    }

    func testLosslessMultiFrameFilesDecodeFrameByFrameToTheSourceSamples() throws {
        let folder = try temporaryFolder("jxl-dicom")
        let cases: [(name: String, channels: Int, maxValue: Int, bits: Int)] = [
            ("gray8", 1, 255, 8), ("gray12", 1, 4095, 12), ("gray16", 1, 65535, 16), ("rgb8", 3, 255, 8)
        ]
        for c in cases {
            let sources = (0..<3).map {
                PNMImage.speckle(width: 29, height: 19, channels: c.channels, maxValue: c.maxValue, seed: UInt64(10 * c.bits + $0))
            }
            let streams = try sources.enumerated().map { k, image in
                try JPEGXLTools.encode(image, named: "\(c.name)-\(k)", in: folder, ["-d", "0"]).stream
            }
            var ds = header(sources[0], bits: c.bits, photometric: c.channels == 1 ? "MONOCHROME2" : "RGB", frames: 3)
            ds.set(DICOMWriter.encapsulate(streams))
            ds.set(.sopClassUID, .UI, string: "1.2.840.10008.5.1.4.1.1.3.1")  // Ultrasound Multi-frame Image Storage
            ds.set(.sopInstanceUID, .UI, string: "2.25.\(c.bits)\(c.channels)")
            let url = folder.appendingPathComponent("\(c.name).dcm")
            try DICOMWriter.write(ds, transferSyntax: .jpegXLLossless, to: url)
            let file = try DICOMFile(url: url)
            XCTAssertEqual(file.transferSyntax, .jpegXLLossless)
            XCTAssertEqual(try file.frameCount(), 3, c.name)
            // Out of order on purpose: each frame is found and decoded on its own.
            for k in [2, 0, 1] {
                let frame = try file.decodeFrame(k)
                XCTAssertEqual(frame.photometricInterpretation, c.channels == 1 ? "MONOCHROME2" : "RGB", c.name)
                XCTAssertTrue(samples(of: frame) == sources[k].samples, "\(c.name) frame \(k): decoded samples differ from the source")
            }
            XCTAssertTrue(file.warnings.isEmpty, "\(c.name): \(file.warnings)")
        }
    }

    func testLossyFramesDecodeAsDjxlDoes() throws {
        let folder = try temporaryFolder("jxl-dicom-lossy")
        let sources = (0..<2).map { PNMImage.speckle(width: 41, height: 27, channels: 3, maxValue: 255, seed: 500 + UInt64($0)) }
        var expected: [[Int]] = []
        var streams: [[UInt8]] = []
        for (k, image) in sources.enumerated() {
            let (stream, url) = try JPEGXLTools.encode(image, named: "lossy-\(k)", in: folder, ["-d", "1.5"])
            let reference = folder.appendingPathComponent("lossy-\(k)-djxl.ppm")
            try JPEGXLTools.decode(url, to: reference)
            expected.append(try PNMImage(contentsOf: reference).samples)
            streams.append(stream)
        }
        var ds = header(sources[0], bits: 8, photometric: "RGB", frames: 2)
        ds.set(DICOMWriter.encapsulate(streams))
        let file = try DICOMFile(bytes: Build.file(ds, transferSyntax: .jpegXL))
        XCTAssertTrue(TransferSyntax.jpegXL.isLossy)
        for k in 0..<2 {
            XCTAssertTrue(samples(of: try file.decodeFrame(k)) == expected[k], "frame \(k): decoded samples differ from djxl's")
        }
    }

    /// A JPEG recompressed by cjxl keeps the JPEG's YCbCr, so the header says YBR_FULL_422 (as
    /// for JPEG baseline); decoded frames are RGB, as the other codecs give them.
    func testRecompressedJPEGFramesAreRGB() throws {
        let folder = try temporaryFolder("jxl-dicom-jpeg")
        var streams: [[UInt8]] = []
        var expected: [[Int]] = []
        for k in 0..<2 {
            let source = PNMImage.speckle(width: 48, height: 32, channels: 3, maxValue: 255, seed: 600 + UInt64(k))
            let jpeg = try JPEG.encodeBaseline(
                source.samples.map(UInt8.init), width: 48, height: 32, components: 3, quality: 90, subsampling: .s422)
            let jpegURL = folder.appendingPathComponent("frame\(k).jpg"), jxl = folder.appendingPathComponent("frame\(k).jxl")
            try Data(jpeg).write(to: jpegURL)
            streams.append(try JPEGXLTools.encode(jpegURL, to: jxl, []))
            let reference = folder.appendingPathComponent("frame\(k)-djxl.ppm")
            try JPEGXLTools.decode(jxl, to: reference)
            expected.append(try PNMImage(contentsOf: reference).samples)
        }
        var ds = header(
            PNMImage(width: 48, height: 32, channels: 3, maxValue: 255, samples: []), bits: 8, photometric: "YBR_FULL_422", frames: 2)
        ds.set(DICOMWriter.encapsulate(streams))
        let file = try DICOMFile(bytes: Build.file(ds, transferSyntax: .jpegXLJPEGRecompression))
        for k in 0..<2 {
            let frame = try file.decodeFrame(k)
            XCTAssertEqual(frame.photometricInterpretation, "RGB")
            XCTAssertTrue(samples(of: frame) == expected[k], "frame \(k): decoded samples differ from djxl's")
        }
        XCTAssertTrue(file.warnings.isEmpty, "\(file.warnings)")
    }

    /// Lossless JPEG XL of YBR_FULL samples follows the header, like every other codec: the
    /// frame equals what the same samples give stored natively.
    func testLosslessYBRFullFollowsTheHeaderAsNativeDataDoes() throws {
        let folder = try temporaryFolder("jxl-dicom-ybr")
        let source = PNMImage.speckle(width: 21, height: 13, channels: 3, maxValue: 255, seed: 700)
        let stream = try JPEGXLTools.encode(source, named: "ybr", in: folder, ["-d", "0"]).stream
        var encapsulated = header(source, bits: 8, photometric: "YBR_FULL", frames: 1)
        encapsulated.set(DICOMWriter.encapsulate([stream]))
        var native = header(source, bits: 8, photometric: "YBR_FULL", frames: 1)
        native.set(.pixelData, .OB, bytes: source.samples.map(UInt8.init) + (source.samples.count % 2 == 1 ? [0] : []))
        let fromJXL = try DICOMFile(bytes: Build.file(encapsulated, transferSyntax: .jpegXLLossless)).decodeFrame(0)
        let fromNative = try DICOMFile(bytes: Build.file(native)).decodeFrame(0)
        XCTAssertEqual(fromJXL.photometricInterpretation, "RGB")
        XCTAssertEqual(fromJXL.data, fromNative.data)
    }

    /// Without an offset table, frames split over several fragments are found by their
    /// codestream starts (FF0A, or the container's 'JXL ' box); a damaged frame is a codec error
    /// naming the transfer syntax, and the other frames still decode.
    func testFrameBoundariesAndADamagedFrame() throws {
        let folder = try temporaryFolder("jxl-dicom-fragments")
        let sources = (0..<3).map { PNMImage.speckle(width: 25, height: 15, channels: 1, maxValue: 255, seed: 800 + UInt64($0)) }
        let streams = try sources.enumerated().map { k, image in
            try JPEGXLTools.encode(image, named: "f\(k)", in: folder, k == 1 ? ["-d", "0", "--container=1"] : ["-d", "0"]).stream
        }
        var value = DICOMWriter.itemHeader(0)
        for s in streams {
            let padded = s.count % 2 == 1 ? s + [0] : s
            let half = (padded.count / 2) & ~1
            value += DICOMWriter.itemHeader(half) + padded[..<half] + DICOMWriter.itemHeader(padded.count - half) + padded[half...]
        }
        value += [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
        var ds = header(sources[0], bits: 8, photometric: "MONOCHROME2", frames: 3)
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .bytes(value)))
        let file = try DICOMFile(bytes: Build.file(ds, transferSyntax: .jpegXLLossless))
        for k in 0..<3 { XCTAssertTrue(samples(of: try file.decodeFrame(k)) == sources[k].samples, "frame \(k)") }

        var damaged = streams
        damaged[1] = Array(damaged[1].prefix(damaged[1].count / 2))
        var broken = header(sources[0], bits: 8, photometric: "MONOCHROME2", frames: 3)
        broken.set(DICOMWriter.encapsulate(damaged))
        let brokenFile = try DICOMFile(bytes: Build.file(broken, transferSyntax: .jpegXLLossless))
        XCTAssertThrowsError(try brokenFile.decodeFrame(1)) { error in
            guard case DICOMError.codec(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("1.2.840.10008.1.2.4.110") && message.contains("JPEG XL"), message)
        }
        XCTAssertTrue(samples(of: try brokenFile.decodeFrame(2)) == sources[2].samples)
    }
}
