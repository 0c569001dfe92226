import Foundation
import TestSupport
import XCTest

@testable import SonoSupport

final class NPYArrayTests: XCTestCase {
    func testRoundTrip() throws {
        let a = try NPYArray(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5])
        let data = a.encoded()
        XCTAssertEqual((data.count - 24) % 64, 0)  // a 64-byte aligned header, then six float32
        XCTAssertEqual(try NPYArray.decode(data, path: "mem"), a)
    }

    /// Bytes written by NumPy itself (`np.save` of np.arange(3, dtype='<f4')), so the reader is
    /// checked against a writer we did not write.
    func testReadsNumPyOutput() throws {
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0]
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
        header += String(repeating: " ", count: 118 - header.utf8.count - 1) + "\n"
        bytes += Array(header.utf8)
        for v: Float in [0, 1, 2] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        let a = try NPYArray.decode(Data(bytes), path: "np")
        XCTAssertEqual(a.shape, [3])
        XCTAssertEqual(a.values, [0, 1, 2])
    }

    func testNumPyReadsOurFile() throws {
        let python = try ReferencePython.numpy()
        let url = try temporaryFolder("npy").appendingPathComponent("a.npy")
        try NPYArray(shape: [2, 1, 2], values: [0.5, 1.5, -2, 3]).write(to: url)
        let run = try ProcessRunner.run(
            python, ["-c", "import numpy as n,sys; a=n.load(sys.argv[1]); print(a.dtype, a.shape, a.ravel().tolist())", url.path])
        XCTAssertEqual(run.status, 0, run.standardError)
        let out = run.standardOutput
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "float32 (2, 1, 2) [0.5, 1.5, -2.0, 3.0]")
    }

    func testRejectsBadInput() {
        XCTAssertThrowsError(try NPYArray.decode(Data([1, 2, 3]), path: "x.npy")) { e in
            XCTAssertTrue("\(e)".contains("x.npy"))
        }
        var f8 = NPYArray.headerForTest(descr: "<f8", shape: "(1,)")
        f8 += [UInt8](repeating: 0, count: 8)
        XCTAssertThrowsError(try NPYArray.decode(Data(f8), path: "f8.npy")) { e in XCTAssertTrue("\(e)".contains("<f8")) }
        // A header claiming far more data than the file holds must not allocate it.
        let huge = NPYArray.headerForTest(descr: "<f4", shape: "(100000, 100000, 100000)")
        XCTAssertThrowsError(try NPYArray.decode(Data(huge), path: "huge.npy"))
        XCTAssertThrowsError(try NPYArray(shape: [2, 2], values: [1]))
    }
}

extension NPYArray {
    static func headerForTest(descr: String, shape: String) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let n = header.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8)
    }
}
