// Truncated, bit-flipped and absurd streams: every decoder must answer with a CodecError (or,
// for damage it can absorb, a well-formed image) — never a crash or a giant allocation.
import DICOMCodecs
import SeededRandom
import XCTest

enum Robustness {
    /// Runs `decode` on `stream` cut at many lengths (every `headerStep`-th byte of the first
    /// 512, then `spread` points over the rest) and on `flips` copies with a few bytes flipped.
    /// Returns how many attempts threw a CodecError.
    @discardableResult
    static func hammer(
        _ stream: [UInt8], name: String, flips: Int = 40, headerStep: Int = 1, spread: Int = 64,
        _ decode: ([UInt8]) throws -> CodecImage
    ) -> Int {
        var cuts = Array(stride(from: 0, to: min(stream.count, 512), by: headerStep))
        if stream.count > 512 { cuts += stride(from: 512, to: stream.count, by: max(1, (stream.count - 512) / spread)) }
        var errors = 0
        func attempt(_ bytes: [UInt8], _ label: String) {
            do {
                let image = try decode(bytes)
                XCTAssertEqual(
                    image.data.count, image.width * image.height * image.components * image.bytesPerSample,
                    "\(name) \(label): image size disagrees with its buffer")
            } catch is CodecError {
                errors += 1
            } catch {
                XCTFail("\(name) \(label): untyped error \(error)")
            }
        }
        for cut in cuts { attempt(Array(stream[..<cut]), "cut at \(cut)") }
        var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: stream.count))
        for i in 0..<flips where !stream.isEmpty {
            var bytes = stream
            for _ in 0..<(1 + i % 3) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[at] ^= UInt8.random(in: 1...255, using: &rng)
            }
            attempt(bytes, "flip set \(i)")
        }
        return errors
    }
}

final class CorruptStreamTests: XCTestCase {
    func testTruncatedAndFlippedJPEGFixtures() throws {
        let syntaxes: Set<String> = [
            "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",
            "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"
        ]
        var streams = 0
        for fixture in try Fixtures.fixtures(withSyntaxes: syntaxes) {
            guard let frames = try? Fixtures.frames(of: fixture), let first = frames.first, !first.isEmpty else { continue }
            let errors = Robustness.hammer(first, name: fixture.name) { try JPEG.decode($0, colorTransform: .rgb) }
            // A stream cut before its end cannot decode cleanly.
            XCTAssertGreaterThan(errors, min(first.count, 512) / 2, fixture.name)
            streams += 1
        }
        XCTAssertGreaterThan(streams, 10)
    }

    func testEmptyAndGarbageInput() {
        for bytes: [UInt8] in [
            [], [0xFF], [0xFF, 0xD8], [0x00, 0x01, 0x02], [0xFF, 0xD8, 0xFF, 0xD9],
            [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x02, 0xFF, 0xDA, 0x00, 0x02]
        ] {
            XCTAssertThrowsError(try JPEG.decode(bytes, colorTransform: .rgb)) { XCTAssertTrue($0 is CodecError, "\($0)") }
            XCTAssertThrowsError(try JPEG.info(bytes)) { XCTAssertTrue($0 is CodecError, "\($0)") }
        }
    }

    /// A header claiming 65535×65535×3 in a few dozen bytes must be refused before any
    /// allocation: 12 GiB is over the absolute cap, and no 40-byte stream describes it.
    func testAbsurdDimensionsAreRefusedUpFront() throws {
        for (marker, precision) in [(UInt8(0xC0), UInt8(8)), (0xC1, 12), (0xC3, 16)] {
            let stream: [UInt8] = [
                0xFF, 0xD8, 0xFF, marker, 0x00, 0x11, precision, 0xFF, 0xFF, 0xFF, 0xFF, 0x03,
                0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00,
                0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00,
                0x00, 0x00, 0xFF, 0xD9
            ]
            XCTAssertThrowsError(try JPEG.decode(stream, colorTransform: .rgb)) { error in
                guard case CodecError.corrupt(let why)? = error as? CodecError else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains("65535x65535"), why)
            }
        }
    }

    func testTruncatedAndFlippedJPEGLSFixtures() throws {
        var streams = 0
        for fixture in try Fixtures.fixtures(withSyntaxes: LSAnd2000FixtureTests.jpegLS) {
            guard let first = (try? Fixtures.frames(of: fixture))?.first, !first.isEmpty else { continue }
            let errors = Robustness.hammer(first, name: fixture.name, JPEGLS.decode)
            XCTAssertGreaterThan(errors, min(first.count, 512) / 2, fixture.name)
            streams += 1
        }
        XCTAssertEqual(streams, 5)
    }

    func testTruncatedAndFlippedJPEG2000Fixtures() throws {
        var streams = 0
        for fixture in try Fixtures.fixtures(withSyntaxes: LSAnd2000FixtureTests.jpeg2000) {
            guard let first = (try? Fixtures.frames(of: fixture))?.first, !first.isEmpty else { continue }
            let errors = Robustness.hammer(first, name: fixture.name, flips: 12, headerStep: 4, spread: 16, JPEG2000.decode)
            // Cuts inside the main header and tile headers must fail; openjpeg may decode a cut
            // deep inside tile data as far as it goes, which the decoder reports as truncation
            // when openjpeg warns about it.
            XCTAssertGreaterThan(errors, 20, fixture.name)
            streams += 1
        }
        XCTAssertGreaterThanOrEqual(streams, 7)
    }

    /// JPEG 2000 main header declaring 262144×262144: refused before openjpeg allocates tiles.
    func testAbsurdJPEG2000DimensionsAreRefused() {
        let side: [UInt8] = [0x00, 0x04, 0x00, 0x00]
        var stream: [UInt8] = [0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00]
        stream += side + side + [UInt8](repeating: 0, count: 8) + side + side + [UInt8](repeating: 0, count: 8)
        stream += [0x00, 0x01, 0x07, 0x01, 0x01]  // one 8-bit unsigned component
        stream += [0xFF, 0x52, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x01, 0x00, 0x05, 0x04, 0x04, 0x00, 0x01]  // COD
        stream += [0xFF, 0x5C, 0x00, 0x13, 0x40] + [UInt8](repeating: 0x40, count: 16)  // QCD
        stream += [0xFF, 0x90, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xFF, 0x93, 0xFF, 0xD9]
        XCTAssertThrowsError(try JPEG2000.decode(stream)) { XCTAssertTrue($0 is CodecError, "\($0)") }
    }

    /// JPEG-LS frames of 65535² (over the absolute cap) and 16000² (over what 40 bytes can
    /// describe even with maximal run-length coding): refused before allocation.
    func testAbsurdJPEGLSDimensionsAreRefused() {
        for side: UInt16 in [65535, 16000] {
            let hi = UInt8(side >> 8), lo = UInt8(side & 0xFF)
            let stream: [UInt8] = [
                0xFF, 0xD8, 0xFF, 0xF7, 0x00, 0x0B, 0x08, hi, lo, hi, lo, 0x01, 0x01, 0x11, 0x00,
                0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
                0xFF, 0x7F, 0xFF, 0x7F, 0xFF, 0x7F, 0x00, 0x00, 0xFF, 0xD9
            ]
            XCTAssertThrowsError(try JPEGLS.decode(stream)) { error in
                guard case CodecError.corrupt(let why)? = error as? CodecError else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains("\(side)x\(side)"), why)
            }
        }
    }
}
