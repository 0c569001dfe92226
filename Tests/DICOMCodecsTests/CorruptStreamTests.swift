// Truncated, bit-flipped and absurd streams: every decoder must answer with a CodecError (or,
// for damage it can absorb, a well-formed image) — never a crash or a giant allocation.
import DICOMCodecs
import XCTest

/// A small deterministic generator so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Robustness {
    /// Runs `decode` on `stream` cut at many lengths (every byte of the first 512, then about
    /// 64 points spread over the rest) and on copies with a few bytes flipped. Returns how many
    /// attempts threw a CodecError.
    @discardableResult
    static func hammer(_ stream: [UInt8], name: String, flips: Int = 40,
                       _ decode: ([UInt8]) throws -> CodecImage) -> Int {
        var cuts = Array(0..<min(stream.count, 512))
        if stream.count > 512 { cuts += stride(from: 512, to: stream.count, by: max(1, (stream.count - 512) / 64)) }
        var errors = 0
        func attempt(_ bytes: [UInt8], _ label: String) {
            do {
                let image = try decode(bytes)
                XCTAssertEqual(image.data.count, image.width * image.height * image.components * image.bytesPerSample,
                               "\(name) \(label): image size disagrees with its buffer")
            } catch is CodecError {
                errors += 1
            } catch {
                XCTFail("\(name) \(label): untyped error \(error)")
            }
        }
        for cut in cuts { attempt(Array(stream[..<cut]), "cut at \(cut)") }
        var rng = SplitMix64(state: UInt64(truncatingIfNeeded: stream.count))
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
        let syntaxes: Set<String> = ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",
                                     "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"]
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
        for bytes: [UInt8] in [[], [0xFF], [0xFF, 0xD8], [0x00, 0x01, 0x02], [0xFF, 0xD8, 0xFF, 0xD9],
                               [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x02, 0xFF, 0xDA, 0x00, 0x02]] {
            XCTAssertThrowsError(try JPEG.decode(bytes, colorTransform: .rgb)) { XCTAssertTrue($0 is CodecError, "\($0)") }
            XCTAssertThrowsError(try JPEG.info(bytes)) { XCTAssertTrue($0 is CodecError, "\($0)") }
        }
    }

    /// A header claiming 65535×65535×3 in a few dozen bytes must be refused before any
    /// allocation: 12 GiB is over the absolute cap, and no 40-byte stream describes it.
    func testAbsurdDimensionsAreRefusedUpFront() throws {
        for (marker, precision) in [(UInt8(0xC0), UInt8(8)), (0xC1, 12), (0xC3, 16)] {
            let stream: [UInt8] = [0xFF, 0xD8, 0xFF, marker, 0x00, 0x11, precision, 0xFF, 0xFF, 0xFF, 0xFF, 0x03,
                                   0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00,
                                   0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00,
                                   0x00, 0x00, 0xFF, 0xD9]
            XCTAssertThrowsError(try JPEG.decode(stream, colorTransform: .rgb)) { error in
                guard case CodecError.corrupt(let why)? = error as? CodecError else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains("65535x65535"), why)
            }
        }
    }
}
