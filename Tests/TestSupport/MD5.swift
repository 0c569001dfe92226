import Crypto

/// Hex MD5 digests, to compare decoded pixels with the digests pydicom's oracle recorded
/// (Python's hashlib). Test-only: it checks data, it protects nothing.
public enum MD5 {
    public static func hex(_ message: [UInt8]) -> String {
        Insecure.MD5.hash(data: message).map { String(format: "%02x", $0) }.joined()
    }
}
