import XCTest
@testable import Torch

/// Asserts two float sequences agree element-wise within `accuracy`.
func assertClose(_ actual: [Float], _ expected: [Float], accuracy: Float = 1e-5, file: StaticString = #filePath,
                 line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count", file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated() where Swift.abs(a - e) > accuracy {
        XCTFail("element \(i): \(a) != \(e) (±\(accuracy))", file: file, line: line)
        return
    }
}

func floats(_ tensor: Tensor) throws -> [Float] { try tensor.toArray(of: Float.self) }
