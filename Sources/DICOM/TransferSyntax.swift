/// A transfer syntax: how the data set and pixel data are encoded.
public struct TransferSyntax: Hashable, Sendable, CustomStringConvertible {
    public let uid: String
    public init(uid: String) { self.uid = uid }

    public static let implicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2")
    public static let explicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1")
    public static let encapsulatedUncompressed = TransferSyntax(uid: "1.2.840.10008.1.2.1.98")
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1.99")
    public static let explicitVRBigEndian = TransferSyntax(uid: "1.2.840.10008.1.2.2")
    public static let jpegBaseline = TransferSyntax(uid: "1.2.840.10008.1.2.4.50")
    public static let jpegExtended = TransferSyntax(uid: "1.2.840.10008.1.2.4.51")
    public static let jpegLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.57")
    public static let jpegLosslessSV1 = TransferSyntax(uid: "1.2.840.10008.1.2.4.70")
    public static let jpegLSLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.80")
    public static let jpegLSNearLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.81")
    public static let jpeg2000Lossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.90")
    public static let jpeg2000 = TransferSyntax(uid: "1.2.840.10008.1.2.4.91")
    public static let htj2kLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.201")
    public static let htj2kLosslessRPCL = TransferSyntax(uid: "1.2.840.10008.1.2.4.202")
    public static let htj2k = TransferSyntax(uid: "1.2.840.10008.1.2.4.203")
    // PS3.6's names and numbers (the .110 of lossless coding, .111 of a recompressed JPEG).
    public static let jpegXLLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.110")
    public static let jpegXLJPEGRecompression = TransferSyntax(uid: "1.2.840.10008.1.2.4.111")
    public static let jpegXL = TransferSyntax(uid: "1.2.840.10008.1.2.4.112")
    public static let rleLossless = TransferSyntax(uid: "1.2.840.10008.1.2.5")

    public var isExplicitVR: Bool { self != .implicitVRLittleEndian }
    public var isBigEndian: Bool { self == .explicitVRBigEndian }
    public var isDeflated: Bool { self == .deflatedExplicitVRLittleEndian }
    /// Native (uncompressed, not encapsulated) pixel data.
    public var isNative: Bool {
        self == .implicitVRLittleEndian || self == .explicitVRLittleEndian || self == .explicitVRBigEndian
            || self == .deflatedExplicitVRLittleEndian
    }
    public var isEncapsulated: Bool { !isNative }

    public enum Codec: Sendable { case none, uncompressed, rle, jpeg, jpegLS, jpeg2000, jpegXL }

    public var codec: Codec {
        switch uid {
        case "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2": return .none
        case "1.2.840.10008.1.2.1.98": return .uncompressed
        case "1.2.840.10008.1.2.5": return .rle
        case "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70": return .jpeg
        case "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81": return .jpegLS
        case "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.92", "1.2.840.10008.1.2.4.93",
            "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203":
            return .jpeg2000
        case "1.2.840.10008.1.2.4.110", "1.2.840.10008.1.2.4.111", "1.2.840.10008.1.2.4.112": return .jpegXL
        default: return .none
        }
    }

    /// Whether decoding may change values (md5 comparisons only make sense when false).
    public var isLossy: Bool {
        [
            "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.91",
            "1.2.840.10008.1.2.4.93", "1.2.840.10008.1.2.4.203",
            // A recompressed JPEG is exact to the JPEG, whose pixels depend on the decoder's IDCT.
            "1.2.840.10008.1.2.4.111", "1.2.840.10008.1.2.4.112"
        ].contains(uid)
    }

    /// Whether this module can parse a data set in this syntax (pixel decoding is checked separately).
    public var isKnown: Bool { isNative || codec != .none }

    public var description: String { uid }
}
