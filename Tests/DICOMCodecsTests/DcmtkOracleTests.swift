// Checks against dcmtk (Debian's dcmtk, built on IJG libjpeg 6b with its 12- and 16-bit
// variants), run at test time: dcmcjpeg makes lossless JPEG streams from native fixtures that
// must decode back to the original samples; dcmdjpeg's decoding of the lossy fixtures is a
// second, independent reference beside pydicom's. Needs Debian's dcmtk (`make setup`).
import DICOMCodecs
import Foundation
import TestSupport
import XCTest

enum Dcmtk {
    static func run(_ name: String, _ arguments: [String]) throws {
        let result = try ProcessRunner.run(try Prerequisite.executable(name, package: "dcmtk"), arguments)
        guard result.status == 0 else {
            throw NSError(
                domain: "dcmtk", code: Int(result.status),
                userInfo: [NSLocalizedDescriptionKey: "\(name) \(arguments.joined(separator: " ")) failed: \(result.standardError)"])
        }
    }

    /// The value of the last (7FE0,0010) with a defined length, in explicit or implicit VR LE.
    static func nativePixelData(_ file: [UInt8]) throws -> [UInt8] {
        var i = file.count - 12
        while i >= 0 {
            if file[i] == 0xE0, file[i + 1] == 0x7F, file[i + 2] == 0x10, file[i + 3] == 0x00 {
                let explicit = file[i + 4] == 0x4F && (file[i + 5] == 0x57 || file[i + 5] == 0x42)
                let at = explicit ? i + 8 : i + 4
                let length = Int(file[at]) | Int(file[at + 1]) << 8 | Int(file[at + 2]) << 16 | Int(file[at + 3]) << 24
                if length != 0xFFFF_FFFF, at + 4 + length <= file.count { return Array(file[(at + 4)..<(at + 4 + length)]) }
            }
            i -= 1
        }
        throw UnexpectedTestData("no native pixel data found")
    }

    /// The first fragment run of an encapsulated file written by dcmtk (one frame).
    static func firstFrame(_ path: String) throws -> [UInt8] {
        let fixture = Fixture(name: path, transferSyntax: "", header: ["NumberOfFrames": 1], pixels: nil, pixelError: nil)
        return try Fixtures.frames(of: fixture, bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).first ?? []
    }
}

final class DcmtkOracleTests: XCTestCase {
    /// dcmcjpeg +el with every predictor (and a point transform) on native fixtures of 16-bit
    /// signed, 12-bit and 8-bit RGB samples; the Swift decoder must return the original bits.
    func testLosslessStreamsFromDcmcjpegDecodeToTheOriginalSamples() throws {
        let scratch = try temporaryFolder("dcmtk")
        let cases: [(file: String, predictor: Int, pointTransform: Int)] = [
            ("CT_small.dcm", 1, 0), ("CT_small.dcm", 2, 0), ("CT_small.dcm", 3, 0), ("CT_small.dcm", 4, 0),
            ("CT_small.dcm", 5, 0), ("CT_small.dcm", 6, 0), ("CT_small.dcm", 7, 0),
            ("MR_small.dcm", 1, 0), ("MR_small.dcm", 7, 3), ("examples_overlay.dcm", 6, 0),
            ("examples_rgb_color.dcm", 1, 0), ("examples_rgb_color.dcm", 5, 0), ("SC_rgb_small_odd.dcm", 4, 0)
        ]
        let files = try Fixtures.corpus().files
        for c in cases {
            let source = files.appendingPathComponent(c.file).path
            let output = scratch.appendingPathComponent("\(c.file)-sv\(c.predictor)-pt\(c.pointTransform).dcm").path
            try Dcmtk.run("dcmcjpeg", ["+el", "+sv", "\(c.predictor)", "+pt", "\(c.pointTransform)", source, output])
            let stream = try Dcmtk.firstFrame(output)
            let info = try JPEG.info(stream)
            XCTAssertEqual(info.process, .lossless)
            XCTAssertEqual(info.losslessPredictor, c.predictor, c.file)
            let image = try JPEG.decode(stream, colorTransform: .rgb)
            let original = try Dcmtk.nativePixelData([UInt8](try Data(contentsOf: URL(fileURLWithPath: source))))
            var expected = original.prefix(image.data.count).map { $0 }
            if c.pointTransform > 0 {
                // Lossless up to the dropped low bits: compare 16-bit words with them cleared.
                let mask = UInt16(0xFFFF) << UInt16(c.pointTransform)
                for i in stride(from: 0, to: expected.count - 1, by: 2) {
                    let v = (UInt16(expected[i]) | UInt16(expected[i + 1]) << 8) & mask
                    expected[i] = UInt8(v & 0xFF); expected[i + 1] = UInt8(v >> 8)
                }
            }
            XCTAssertEqual(image.data.count, expected.count, "\(c)")
            XCTAssertTrue(image.data == expected, "\(c): decoded samples differ from the original")
        }
    }

    /// dcmdjpeg (IJG 6b, islow IDCT, fancy upsampling — what libjpeg-turbo reproduces) as a
    /// second reference for every lossy JPEG fixture, 8- and 12-bit, including JPEG-lossy.dcm,
    /// which pydicom refused (its SOS says Se = 0, a value sequential decoders ignore).
    func testLossyFixturesMatchDcmdjpeg() throws {
        _ = try Prerequisite.executable("dcmdjpeg", package: "dcmtk")  // refusals below are skipped one by one
        let scratch = try temporaryFolder("dcmtk")
        var exact = 0, total = 0
        for fixture in try Fixtures.fixtures(withSyntaxes: JPEGFixtureTests.lossy) {
            let source = try Fixtures.corpus().file(fixture.name).path
            let output = scratch.appendingPathComponent("\(fixture.name)-dcmdjpeg.dcm").path
            guard (try? Dcmtk.run("dcmdjpeg", [source, output])) != nil else { continue }  // dcmtk refuses a few
            var decoded: [UInt8] = []
            for frame in try Fixtures.frames(of: fixture) {
                let info = try JPEG.info(frame)
                decoded += try JPEG.decode(frame, colorTransform: JPEGFixtureTests.colorOutput(fixture.photometric, info)).data
            }
            var reference = try Dcmtk.nativePixelData([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
            if reference.count == decoded.count + 1 { reference.removeLast() }  // even-length padding
            XCTAssertEqual(decoded.count, reference.count, fixture.name)
            // libjpeg-turbo reproduces IJG 6b's islow IDCT, upsampling and colour conversion, and
            // the Swift 12-bit decoder uses the same islow arithmetic: demand identity.
            XCTAssertTrue(decoded == reference, "\(fixture.name) differs from dcmdjpeg")
            if decoded == reference { exact += 1 }
            total += 1
        }
        print("dcmdjpeg: \(exact) of \(total) lossy fixtures bit-exact")
        XCTAssertGreaterThan(total, 10)
    }

    /// Baseline, progressive and spectral-selection 8-bit colour, and 12-bit extended grey,
    /// made by dcmcjpeg from native fixtures and decoded by both dcmdjpeg and this module.
    /// 12-bit progressive must be refused with `.unsupported`, not misdecoded.
    func testDcmcjpegProcessesMatchDcmdjpeg() throws {
        let scratch = try temporaryFolder("dcmtk")
        let cases: [(file: String, flag: String, photometric: String)] = [
            ("examples_rgb_color.dcm", "+eb", "YBR_FULL_422"), ("examples_rgb_color.dcm", "+ep", "YBR_FULL_422"),
            ("examples_rgb_color.dcm", "+es", "YBR_FULL_422"), ("examples_overlay.dcm", "+ee", "MONOCHROME2"),
            ("examples_overlay.dcm", "+eb", "MONOCHROME2")
        ]
        let files = try Fixtures.corpus().files
        for c in cases {
            let compressed = scratch.appendingPathComponent("\(c.file)\(c.flag).dcm").path
            let decompressed = scratch.appendingPathComponent("\(c.file)\(c.flag)-d.dcm").path
            try Dcmtk.run("dcmcjpeg", [c.flag, files.appendingPathComponent(c.file).path, compressed])
            try Dcmtk.run("dcmdjpeg", [compressed, decompressed])
            let stream = try Dcmtk.firstFrame(compressed)
            let info = try JPEG.info(stream)
            let image = try JPEG.decode(stream, colorTransform: JPEGFixtureTests.colorOutput(c.photometric, info))
            let reference = try Dcmtk.nativePixelData([UInt8](try Data(contentsOf: URL(fileURLWithPath: decompressed))))
            XCTAssertEqual(image.data.count, reference.count, "\(c)")
            XCTAssertTrue(
                image.data == reference.prefix(image.data.count).map { $0 },
                "\(c) differs from dcmdjpeg (\(info.process), \(info.precision)-bit)")
        }
        let progressive12 = scratch.appendingPathComponent("examples_overlay+ep.dcm").path
        try Dcmtk.run("dcmcjpeg", ["+ep", files.appendingPathComponent("examples_overlay.dcm").path, progressive12])
        let stream = try Dcmtk.firstFrame(progressive12)
        XCTAssertEqual(try JPEG.info(stream).precision, 12)
        XCTAssertThrowsError(try JPEG.decode(stream, colorTransform: .rgb)) { error in
            guard case CodecError.unsupported? = error as? CodecError else { return XCTFail("\(error)") }
        }
    }
}
