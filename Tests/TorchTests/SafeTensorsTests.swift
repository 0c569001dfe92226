import Foundation
import TestSupport
import XCTest

@testable import Torch

final class SafeTensorsTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try temporaryFolder("safetensors")
    }

    private var fixtures: URL {
        get throws { try TestData.committed("safetensors") }
    }

    func testRoundTripOfEveryDType() throws {
        var tensors: [(name: String, tensor: Tensor)] = []
        let base = try Tensor([0.5, -1.25, 3, 0] as [Float], shape: [2, 2])
        for dtype in DType.allCases {
            tensors.append(("t_\(dtype)", try base.to(dtype: dtype)))
        }
        tensors.append(("scalar", try Tensor(scalar: 7.0)))
        tensors.append(("empty", try Tensor.zeros([0, 3])))
        tensors.append(("transposed", try Tensor.arange(0, 6).reshaped(to: [2, 3]).transposed(0, 1)))
        let url = folder.appendingPathComponent("all.safetensors")
        try SafeTensors.save(tensors, metadata: ["note": "quote \" and \\ and\nnewline"], to: url)
        let archive = try SafeTensors.load(contentsOf: url)
        XCTAssertEqual(archive.metadata["note"], "quote \" and \\ and\nnewline")
        XCTAssertEqual(Set(archive.names), Set(tensors.map(\.name)))
        for (name, original) in tensors {
            let loaded = try XCTUnwrap(archive[name], name)
            XCTAssertEqual(loaded.dtype, original.dtype, name)
            XCTAssertEqual(loaded.shape, original.shape, name)
            XCTAssertEqual(try loaded.rawBytes(), try original.rawBytes(), name)
        }
        XCTAssertEqual(try archive["transposed"]?.toArray(of: Float.self), [0, 3, 1, 4, 2, 5])
        // Header is padded so the data section is 8-byte aligned.
        let data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual((8 + headerLength) % 8, 0)
        // No temporary files are left behind by the atomic write.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["all.safetensors"])
    }

    /// Files written by the Python `safetensors` package (scripts/make_safetensors_fixture.py).
    func testReadsFileWrittenByPythonSafetensors() throws {
        let archive = try SafeTensors.load(contentsOf: try fixtures.appendingPathComponent("numpy_all_dtypes.safetensors"))
        XCTAssertEqual(archive.metadata, ["format": "pt", "source": "numpy"])
        XCTAssertEqual(archive["f32"]?.shape, [2, 3])
        XCTAssertEqual(try archive["f32"]?.toArray(of: Float.self), [-1, -0.5, 0, 0.5, 1, 1.5])
        XCTAssertEqual(try archive["f64"]?.toArray(of: Double.self), [1.0 / 3, -2.5, 1e300])
        XCTAssertEqual(archive["f16"]?.dtype, .float16)
        XCTAssertEqual(try archive["f16"]?.toArray(of: Float.self), [0.5, -1.5, 65504, Float(pow(2.0, -14.0))])
        XCTAssertEqual(try archive["i64"]?.toArray(of: Int64.self), [-(1 << 62), (1 << 62) + 1])
        XCTAssertEqual(try archive["i32"]?.toArray(of: Int32.self), [-7, 0, Int32.max])
        XCTAssertEqual(try archive["i16"]?.toArray(of: Int16.self), [-32768, 12345])
        XCTAssertEqual(try archive["i8"]?.toArray(of: Int8.self), [-128, 127])
        XCTAssertEqual(try archive["u8"]?.toArray(of: UInt8.self), [0, 1, 128, 255])
        XCTAssertEqual(try archive["bool"]?.toArray(of: Bool.self), [true, false, true])
        XCTAssertEqual(archive["empty"]?.shape, [0, 4])

        let bf16 = try SafeTensors.load(contentsOf: try fixtures.appendingPathComponent("bf16.safetensors"))
        XCTAssertEqual(bf16["bf16"]?.dtype, .bfloat16)
        XCTAssertEqual(try bf16["bf16"]?.toArray(of: Float.self), [1, -2, 0.15625])
    }

    // MARK: Malformed files

    private func file(header: String, data: [UInt8], claimedLength: Int? = nil) -> Data {
        var bytes = Data()
        var length = UInt64(claimedLength ?? header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        bytes.append(contentsOf: data)
        return bytes
    }

    private func assertRejected(_ data: Data, mentioning text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.decode(data, source: "bad.safetensors"), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(error is SafeTensorsError, message, file: file, line: line)
            XCTAssertTrue(message.contains("bad.safetensors"), message, file: file, line: line)
            XCTAssertTrue(
                message.lowercased().contains(text.lowercased()), "expected “\(text)” in: \(message)",
                file: file, line: line)
        }
    }

    func testRejectsTruncatedFiles() throws {
        assertRejected(Data([1, 0, 0]), mentioning: "truncated")
        assertRejected(file(header: "{}", data: [], claimedLength: 50), mentioning: "truncated")
        let good = try SafeTensors.encode([("x", try Tensor([1, 2, 3] as [Float]))])
        assertRejected(good.dropLast(4), mentioning: "past the end")
        assertRejected(file(header: "{}", data: [], claimedLength: 200_000_000), mentioning: "limit")
    }

    func testRejectsGarbageHeaders() {
        assertRejected(file(header: "not json at all", data: []), mentioning: "JSON")
        assertRejected(file(header: "{\"a\": ", data: []), mentioning: "JSON")
        assertRejected(file(header: "[1, 2]", data: []), mentioning: "JSON")
        assertRejected(file(header: #"{"a": {"dtype": "F32", "shape": [1]}}"#, data: [0, 0, 0, 0]), mentioning: "data_offsets")
        assertRejected(
            file(header: #"{"a": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            mentioning: "unsupported dtype Q7")
        assertRejected(
            file(header: #"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            mentioning: "negative")
        assertRejected(
            file(header: #"{"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            mentioning: "shape")
        assertRejected(
            file(header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            mentioning: "needs 8")
        assertRejected(
            file(
                header: #"{"a": {"dtype": "F32", "shape": [9223372036854775807, 4], "data_offsets": [0, 4]}}"#,
                data: [0, 0, 0, 0]), mentioning: "overflow")
    }

    func testRejectsOffsetsPastTheEndOverlapsAndGaps() {
        assertRejected(
            file(header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: [0, 0, 0, 0]),
            mentioning: "past the end")
        let overlap =
            #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#
        assertRejected(file(header: overlap, data: [UInt8](repeating: 0, count: 12)), mentioning: "overlap")
        let gap =
            #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}"#
        assertRejected(file(header: gap, data: [UInt8](repeating: 0, count: 12)), mentioning: "gap")
        let short = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#
        assertRejected(file(header: short, data: [UInt8](repeating: 0, count: 8)), mentioning: "cover")
        assertRejected(
            file(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#, data: [0, 0, 0, 0]),
            mentioning: "out of order")
    }

    func testMissingFileAndDuplicateNames() throws {
        XCTAssertThrowsError(try SafeTensors.load(contentsOf: folder.appendingPathComponent("nope.safetensors"))) {
            XCTAssertTrue("\($0)".contains("nope.safetensors"), "\($0)")
        }
        let t = try Tensor.zeros([1])
        XCTAssertThrowsError(try SafeTensors.encode([("a", t), ("a", t)]))
        XCTAssertThrowsError(try SafeTensors.save([("a", t)], to: folder.appendingPathComponent("missing/dir/x.safetensors")))
    }
}
