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
    private static let shifts: [UInt32] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]
    private static let k: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64(abs(sin(Double($0 + 1))) * 4294967296.0)) }

    static func hex(_ message: [UInt8]) -> String {
        var a0: UInt32 = 0x67452301, b0: UInt32 = 0xefcdab89, c0: UInt32 = 0x98badcfe, d0: UInt32 = 0x10325476
        var msg = message
        let bitLen = UInt64(message.count) * 8
        msg.append(0x80)
        while msg.count % 64 != 56 { msg.append(0) }
        for i in 0..<8 { msg.append(UInt8(truncatingIfNeeded: bitLen >> (8 * UInt64(i)))) }
        var m = [UInt32](repeating: 0, count: 16)
        for chunk in stride(from: 0, to: msg.count, by: 64) {
            for i in 0..<16 {
                let o = chunk + 4 * i
                m[i] = UInt32(msg[o]) | UInt32(msg[o + 1]) << 8 | UInt32(msg[o + 2]) << 16 | UInt32(msg[o + 3]) << 24
            }
            var a = a0, b = b0, c = c0, d = d0
            for i in 0..<64 {
                var f: UInt32
                let g: Int
                switch i {
                case 0..<16: f = (b & c) | (~b & d); g = i
                case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
                case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
                default: f = c ^ (b | ~d); g = (7 * i) % 16
                }
                f = f &+ a &+ k[i] &+ m[g]
                a = d; d = c; c = b
                let s = shifts[(i / 16) * 4 + i % 4]
                b = b &+ (f << s | f >> (32 - s))
            }
            a0 = a0 &+ a; b0 = b0 &+ b; c0 = c0 &+ c; d0 = d0 &+ d
        }
        return [a0, b0, c0, d0].flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
            .map { String(format: "%02x", $0) }.joined()
    }
}
