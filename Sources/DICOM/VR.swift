/// Value representations (PS3.5 §6.2).
public enum VR: String, Sendable, CaseIterable {
    case AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV,
        TM, UC, UI, UL, UN, UR, US, UT, UV
    /// Item and delimitation tags carry no VR.
    case none = "NA"

    /// Parsed per element, so a table indexed by the two letters instead of string matching.
    private static let byLetters: [VR?] = {
        var t = [VR?](repeating: nil, count: 26 * 26)
        for vr in VR.allCases where vr != .none {
            let u = Array(vr.rawValue.utf8)
            t[Int(u[0] - 0x41) * 26 + Int(u[1] - 0x41)] = vr
        }
        return t
    }()

    init?(bytes b0: UInt8, _ b1: UInt8) {
        guard b0 >= 0x41, b0 <= 0x5A, b1 >= 0x41, b1 <= 0x5A, let vr = VR.byLetters[Int(b0 - 0x41) * 26 + Int(b1 - 0x41)] else {
            return nil
        }
        self = vr
    }

    /// VRs whose explicit encoding has 2 reserved bytes and a 32-bit length.
    var hasLongLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .SV, .UC, .UN, .UR, .UT, .UV: return true
        default: return false
        }
    }

    /// Text VRs decoded with the Specific Character Set (the rest are always ASCII).
    var usesCharacterSet: Bool {
        switch self {
        case .SH, .LO, .ST, .LT, .UC, .UT, .PN: return true
        default: return false
        }
    }

    var isText: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT: return true
        default: return false
        }
    }

    /// Bytes per value for fixed-size binary VRs; byte-swapped in big-endian files.
    var binaryWidth: Int? {
        switch self {
        case .US, .SS, .OW: return 2
        case .UL, .SL, .FL, .OF, .OL, .AT: return 4
        case .FD, .OD, .SV, .UV, .OV: return 8
        default: return nil
        }
    }

    /// Padding byte for an odd-length value.
    var paddingByte: UInt8 { self == .UI || self == .OB || self == .UN ? 0 : (isText ? 0x20 : 0) }
}
