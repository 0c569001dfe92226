import TestSupport
import XCTest

@testable import Imaging

final class PNGTests: XCTestCase {
    func testRoundTripOfEveryChannelCount() throws {
        for channels in [1, 3, 4] {
            let width = 7, height = 5
            let samples = (0..<(width * height * channels)).map { UInt8(($0 * 37 + channels) % 256) }
            let raster = try Raster(width: width, height: height, channels: channels, pixels: samples)
            let decoded = try PNG.decode(PNG.encode(raster))
            XCTAssertEqual(decoded, raster, "channels \(channels)")
        }
    }

    func testWriteAndReadFile() throws {
        let dir = try temporaryFolder("imaging")
        let path = dir.appendingPathComponent("a.png").path
        let raster = Raster(width: 3, height: 2, channels: 3, fill: [1, 2, 3])
        try PNG.write(raster, to: path)
        XCTAssertEqual(try ImageFile.read(path: path), raster)
    }

    func testSixteenBitGrayFromPython() throws {
        let raster = try PNG.decode(bytes(base64: PNGFixtures.gray16))
        XCTAssertEqual(raster.channels, 1)
        XCTAssertEqual([raster.width, raster.height], [3, 2])
        // round(v * 255 / 65535) for 0, 1000, 65535, 256, 32768, 12345
        XCTAssertEqual(raster.pixels, [0, 4, 255, 1, 128, 48])
    }

    func testSixteenBitGrayKeepsExactValuesThroughReadGray16() throws {
        let dir = try temporaryFolder("imaging")
        let path = dir.appendingPathComponent("g16.png").path
        try Data(bytes(base64: PNGFixtures.gray16)).write(to: URL(fileURLWithPath: path))
        let image = try PNG.readGray16(path: path)
        XCTAssertEqual(image.pixels, [0, 1000, 65535, 256, 32768, 12345])

        let written = dir.appendingPathComponent("w16.png").path
        let labels: [UInt16] = [0, 1, 2, 3, 65535, 300]
        try PNG.writeGray16(width: 2, height: 3, pixels: labels, to: written)
        XCTAssertEqual(try PNG.readGray16(path: written).pixels, labels)
    }

    func testPaletteWithTransparencyBecomesRGBA() throws {
        let raster = try PNG.decode(bytes(base64: PNGFixtures.palette))
        XCTAssertEqual(raster.channels, 4)
        XCTAssertEqual(raster.pixels, [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255, 10, 20, 30, 255])
    }

    func testOneBitGrayExpandsToFullRange() throws {
        let raster = try PNG.decode(bytes(base64: PNGFixtures.gray1))
        XCTAssertEqual(raster.pixels, [255, 0, 255, 255, 0, 0, 255, 0])
    }

    func testGrayAlphaBecomesRGBA() throws {
        let raster = try PNG.decode(bytes(base64: PNGFixtures.grayAlpha))
        XCTAssertEqual(raster.channels, 4)
        XCTAssertEqual(raster.pixels, [10, 10, 10, 255, 200, 200, 200, 0])
    }

    func testSubFilteredRowsAreUnfiltered() throws {
        let raster = try PNG.decode(bytes(base64: PNGFixtures.rgbSub))
        XCTAssertEqual(raster.pixels, [1, 2, 3, 40, 50, 60, 100, 110, 120, 90, 200, 5])
    }

    func testSixteenBitAlphaIsNotPremultiplied() throws {
        let raster = try PNG.decode(bytes(base64: PNGFixtures.rgba16))
        XCTAssertEqual(raster.channels, 4)
        let expected: [Int] = [255, 128, 0, 128]
        for (got, want) in zip(raster.pixels, expected) { XCTAssertEqual(Int(got), want, accuracy: 1) }
    }

    func testCorruptInputsGiveTypedErrorsNamingTheSource() throws {
        let good = try PNG.encode(Raster(width: 16, height: 16, channels: 3, fill: [9, 8, 7]))
        var badCRC = good
        badCRC[29] ^= 0xFF  // inside the IHDR CRC
        let cases: [(String, [UInt8])] = [
            ("truncated", Array(good.prefix(good.count / 2))),
            ("bad-crc", badCRC),
            ("garbage", PNG.signature + [UInt8](repeating: 0x41, count: 64))
        ]
        for (name, data) in cases {
            XCTAssertThrowsError(try PNG.decode(data, source: name)) { error in
                guard case .corrupt(let path, _) = error as? ImagingError else {
                    return XCTFail("\(name): expected .corrupt, got \(error)")
                }
                XCTAssertEqual(path, name)
            }
        }
        XCTAssertThrowsError(try PNG.decode(bytes(base64: PNGFixtures.bomb), source: "bomb")) { error in
            guard case .tooLarge(path: "bomb", _) = error as? ImagingError else { return XCTFail("\(error)") }
        }
    }

    func testFileErrorsNameTheFile() throws {
        let dir = try temporaryFolder("imaging")
        let missing = dir.appendingPathComponent("missing.png").path
        XCTAssertThrowsError(try ImageFile.read(path: missing)) { error in
            XCTAssertEqual(error as? ImagingError, .unreadable(path: missing, reason: "no such file"))
        }
        let text = dir.appendingPathComponent("notes.png").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try ImageFile.read(path: text)) { error in
            guard case .unsupportedFormat(path: text, _) = error as? ImagingError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("notes.png"))
        }
        let empty = dir.appendingPathComponent("empty.jpg").path
        try Data().write(to: URL(fileURLWithPath: empty))
        XCTAssertThrowsError(try ImageFile.read(path: empty)) { error in
            XCTAssertEqual(error as? ImagingError, .unsupportedFormat(path: empty, reason: "empty file"))
        }
    }

    /// Our encoder's output, unpacked by Python's zlib (filter type 0 rows expected or undone).
    func testPythonDecodesOurPNG() throws {
        let dir = try temporaryFolder("imaging")
        let path = dir.appendingPathComponent("ours.png").path
        let samples = (0..<(5 * 4 * 3)).map { UInt8(($0 * 53) % 256) }
        try PNG.write(Raster(width: 5, height: 4, channels: 3, pixels: samples), to: path)
        let script = """
            import struct, sys, zlib
            data = open(sys.argv[1], "rb").read()
            pos, idat = 8, b""
            while pos < len(data):
                n, = struct.unpack(">I", data[pos:pos + 4]); kind = data[pos + 4:pos + 8]
                body = data[pos + 8:pos + 8 + n]
                assert zlib.crc32(kind + body) & 0xFFFFFFFF == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
                if kind == b"IHDR": w, h, depth, colour = struct.unpack(">IIBB", body[:10])
                if kind == b"IDAT": idat += body
                pos += 12 + n
            raw, bpp, stride, out, prev = zlib.decompress(idat), 3, w * 3, [], [0] * (w * 3)
            for y in range(h):
                f, row = raw[y * (stride + 1)], list(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
                for i in range(stride):
                    a = row[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
                    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = [0, a, b, (a + b) // 2, a if pa <= pb and pa <= pc else (b if pb <= pc else c)][f]
                    row[i] = (row[i] + pred) & 255
                out += row; prev = row
            print(w, h, depth, colour, " ".join(map(str, out)))
            """
        let run = try ProcessRunner.run(try ReferencePython.standard(), ["-c", script, path])
        XCTAssertEqual(run.status, 0, run.standardError)
        let output = run.standardOutput
        let fields = output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(Array(fields.prefix(4)), [5, 4, 8, 2])
        XCTAssertEqual(Array(fields.dropFirst(4)), samples.map(Int.init))
    }
}
