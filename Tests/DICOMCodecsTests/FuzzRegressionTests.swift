// Inputs libFuzzer found (Tests/Fuzz harnesses, Regression/<codec>/), replayed through the public
// decoders. Each must end in a CodecError: a crash, a sanitizer report or a hang is the bug.
import DICOMCodecs
import Foundation
import XCTest

final class FuzzRegressionTests: XCTestCase {
    /// The stored artifacts of one fuzz target, sorted by name so failures reproduce in order.
    private func artifacts(_ codec: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Regression").appendingPathComponent(codec)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, [UInt8](try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    private func assertCodecError<T>(_ label: String, _ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("\(label): decoded without an error", file: file, line: line)
        } catch is CodecError {
        } catch {
            XCTFail("\(label): \(type(of: error)) instead of a CodecError", file: file, line: line)
        }
    }

    /// Heap-buffer-overflow reads inside openjpeg's opj_stream_read_data. Cause: a read callback
    /// that signalled end of stream with OPJ_SIZE_T.max (Int.max in Swift), which openjpeg took
    /// for a successful read of that many bytes into its 64 KiB buffer.
    func testJPEG2000OverReadArtifactsFailCleanly() throws {
        let inputs = try artifacts("jpeg2000")
        XCTAssertEqual(inputs.count, 34, "Regression/jpeg2000 holds the 34 crash inputs")
        for input in inputs {
            assertCodecError("\(input.name) info") { try JPEG2000.info(input.bytes) }
            assertCodecError("\(input.name) decode") { try JPEG2000.decode(input.bytes) }
        }
    }

    /// CharLS 2.4.1 spins forever when its bit reader runs off the physical end of the buffer
    /// inside scan data; these inputs end without an EOI marker.
    func testJPEGLSTimeoutArtifactsFailCleanly() throws {
        let inputs = try artifacts("jpegls")
        XCTAssertEqual(inputs.count, 12, "Regression/jpegls holds the 12 timeout inputs")
        for input in inputs {
            XCTAssertFalse(input.bytes.suffix(2).elementsEqual([0xFF, 0xD9]), "\(input.name) already ends with EOI")
            assertCodecError("\(input.name) info") { try JPEGLS.info(input.bytes) }
            assertCodecError("\(input.name) decode") { try JPEGLS.decode(input.bytes) }
        }
    }

    /// The same streams properly terminated reach CharLS's decoder, which must then stop at the
    /// EOI marker with an error of its own rather than loop.
    func testJPEGLSTimeoutArtifactsWithEOIReachCharLSAndFail() throws {
        for input in try artifacts("jpegls") {
            let terminated = input.bytes + [0xFF, 0xD9]
            XCTAssertNoThrow(try JPEGLS.info(terminated), "\(input.name)+EOI: the header itself is readable")
            assertCodecError("\(input.name)+EOI decode") { try JPEGLS.decode(terminated) }
        }
    }
}
