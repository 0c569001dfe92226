import XCTest

/// Asserts that two sequences have the same length and agree element-wise within `accuracy`;
/// reports the first element that does not (one line, not one per element).
public func assertClose<T: BinaryFloatingPoint>(
    _ actual: [T], _ expected: [T], accuracy: T, _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "element count \(message())", file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= accuracy) {
        XCTFail("element \(i): \(a) is not \(e) ± \(accuracy) \(message())", file: file, line: line)
        return
    }
}
