import Crypto
import Foundation
import XCTest
@testable import DICOM

/// Locates the shared fixture folder (../shared from the package root, or ./shared).
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var shared: URL? {
        let env = ProcessInfo.processInfo.environment["SONOTAG_SHARED"].map { URL(fileURLWithPath: $0) }
        let candidates = [env, packageRoot.appendingPathComponent("shared"), packageRoot.deletingLastPathComponent().appendingPathComponent("shared")]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("fixtures/dicom/expected.json").path) }
    }

    static func dicomDirectory() throws -> URL {
        guard let s = shared else { throw XCTSkip("shared fixtures not found") }
        return s.appendingPathComponent("fixtures/dicom/files")
    }

    static func file(_ name: String) throws -> URL { try dicomDirectory().appendingPathComponent(name) }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: file(name))) }

    /// expected.json: one record per file.
    static func expected() throws -> [[String: Any]] {
        guard let s = shared else { throw XCTSkip("shared fixtures not found") }
        let data = try Data(contentsOf: s.appendingPathComponent("fixtures/dicom/expected.json"))
        return (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
    }
}

/// Compares a DICOMValue with a JSON value written by pydicom's oracle.
func matches(_ v: DICOMValue?, _ json: Any) -> Bool {
    switch (v, json) {
    case (nil, is NSNull), (.null?, is NSNull): return true
    case let (.string(s)?, j as String): return s == j
    case let (.int(i)?, j as NSNumber): return Double(i) == j.doubleValue
    case let (.double(d)?, j as NSNumber): return abs(d - j.doubleValue) <= 1e-9 * max(1, abs(d))
    case let (.array(a)?, j as [Any]): return a.count == j.count && zip(a, j).allSatisfy { matches($0, $1) }
    default: return false
    }
}

/// MD5 (RFC 1321), to compare decoded pixels with the oracle's digests.
enum MD5 {
    static func hex(_ message: [UInt8]) -> String {
        Insecure.MD5.hash(data: message).map { String(format: "%02x", $0) }.joined()
    }
}
