import Crypto

// Hex md5 for comparing decoded pixels with the sums pydicom recorded in expected.json.
// Test-only: it checks data, it protects nothing.
enum MD5 {
    static func hex(_ message: [UInt8]) -> String {
        Insecure.MD5.hash(data: message).map { String(format: "%02x", $0) }.joined()
    }
}
