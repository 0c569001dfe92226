import Foundation

/// Setting values by type; each encodes the value as the VR requires (little-endian binary,
/// backslash-separated text, UTF-8 for text VRs that use the character set).
extension DataSet {
    public mutating func set(_ tag: Tag, _ vr: VR, bytes: [UInt8]) {
        set(DataElement(tag: tag, vr: vr, value: .bytes(bytes)))
    }

    public mutating func set(_ tag: Tag, _ vr: VR, string: String) {
        set(tag, vr, strings: [string])
    }

    public mutating func set(_ tag: Tag, _ vr: VR, strings: [String]) {
        set(DataElement(tag: tag, vr: vr, value: .bytes(Array(strings.joined(separator: "\\").utf8))))
    }

    /// Integers as US/SS/UL/SL/SV/UV binary, or IS text.
    public mutating func set(_ tag: Tag, _ vr: VR, ints: [Int]) {
        var b: [UInt8] = []
        func put(_ v: Int, _ width: Int) { for k in 0..<width { b.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        switch vr {
        case .US, .SS, .OW: ints.forEach { put($0, 2) }
        case .UL, .SL, .OL: ints.forEach { put($0, 4) }
        case .SV, .UV, .OV: ints.forEach { put($0, 8) }
        case .DS: return set(tag, vr, doubles: ints.map(Double.init))
        default: return set(tag, vr, strings: ints.map(String.init))
        }
        set(tag, vr, bytes: b)
    }

    public mutating func set(_ tag: Tag, _ vr: VR, int: Int) { set(tag, vr, ints: [int]) }

    /// Reals as FL/FD binary, or DS text of at most 16 characters.
    public mutating func set(_ tag: Tag, _ vr: VR, doubles: [Double]) {
        var b: [UInt8] = []
        switch vr {
        case .FL, .OF:
            for d in doubles { let u = Float(d).bitPattern; for k in 0..<4 { b.append(UInt8(truncatingIfNeeded: u >> (8 * UInt32(k)))) } }
        case .FD, .OD:
            for d in doubles { let u = d.bitPattern; for k in 0..<8 { b.append(UInt8(truncatingIfNeeded: u >> (8 * UInt64(k)))) } }
        default:
            return set(tag, vr, strings: doubles.map(Self.decimalString))
        }
        set(tag, vr, bytes: b)
    }

    public mutating func set(_ tag: Tag, _ vr: VR, double: Double) { set(tag, vr, doubles: [double]) }

    public mutating func set(_ tag: Tag, items: [DataSet]) {
        set(DataElement(tag: tag, vr: .SQ, value: .sequence(items)))
    }

    /// A DS value: the shortest of %.{15...1}g that fits 16 characters.
    static func decimalString(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        for p in stride(from: 15, through: 1, by: -1) {
            let s = String(format: "%.\(p)g", d)
            if s.count <= 16 { return s }
        }
        return "0"
    }
}

/// UIDs under the 2.25 root (a UUID as a decimal integer, PS3.5 B.2).
public enum UID {
    public static func make() -> String {
        let u = UUID().uuid
        var limbs: [UInt32] = []
        let bytes = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
        for i in stride(from: 0, to: 16, by: 4) {
            limbs.append(UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3]))
        }
        // Repeated division by 10 of a 128-bit big-endian number.
        var digits: [Character] = []
        while limbs.contains(where: { $0 != 0 }) {
            var rem: UInt64 = 0
            for i in 0..<limbs.count {
                let cur = rem << 32 | UInt64(limbs[i])
                limbs[i] = UInt32(cur / 10)
                rem = cur % 10
            }
            digits.append(Character(String(rem)))
        }
        return "2.25." + (digits.isEmpty ? "0" : String(digits.reversed()))
    }
}
