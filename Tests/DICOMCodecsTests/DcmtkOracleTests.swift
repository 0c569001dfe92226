// Checks against dcmtk (Debian's dcmtk, built on IJG libjpeg 6b with its 12- and 16-bit
// variants), run at test time: dcmcjpeg makes lossless JPEG streams from native fixtures that
// must decode back to the original samples; dcmdjpeg's decoding of the lossy fixtures is a
// second, independent reference beside pydicom's. Skipped when dcmtk is not installed.
import DICOMCodecs
import Foundation
import XCTest

enum Dcmtk {
    static func tool(_ name: String) throws -> URL {
        for dir in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return URL(fileURLWithPath: "\(dir)/\(name)")
        }
        throw XCTSkip("dcmtk's \(name) is not installed")
    }

    static func run(_ name: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = try tool(name)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "dcmtk", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(name) \(arguments.joined(separator: " ")) failed"])
        }
    }

    static func temporaryFile(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sonotag-codecs-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
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
        throw XCTSkip("no native pixel data found")
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
        let cases: [(file: String, predictor: Int, pointTransform: Int)] = [
            ("CT_small.dcm", 1, 0), ("CT_small.dcm", 2, 0), ("CT_small.dcm", 3, 0), ("CT_small.dcm", 4, 0),
            ("CT_small.dcm", 5, 0), ("CT_small.dcm", 6, 0), ("CT_small.dcm", 7, 0),
            ("MR_small.dcm", 1, 0), ("MR_small.dcm", 7, 3), ("examples_overlay.dcm", 6, 0),
            ("examples_rgb_color.dcm", 1, 0), ("examples_rgb_color.dcm", 5, 0), ("SC_rgb_small_odd.dcm", 4, 0),
        ]
        let files = try Fixtures.directory().appendingPathComponent("files")
        for c in cases {
            let source = files.appendingPathComponent(c.file).path
            let output = Dcmtk.temporaryFile("\(c.file)-sv\(c.predictor)-pt\(c.pointTransform).dcm")
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
        var exact = 0, total = 0
        for fixture in try Fixtures.fixtures(withSyntaxes: JPEGFixtureTests.lossy) {
            let source = try Fixtures.directory().appendingPathComponent("files").appendingPathComponent(fixture.name).path
            let output = Dcmtk.temporaryFile("\(fixture.name)-dcmdjpeg.dcm")
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
}
