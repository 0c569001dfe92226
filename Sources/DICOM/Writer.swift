import DICOMCodecs
import Foundation
import SonoSupport

/// How pixel data is stored when writing.
public enum PixelEncoding: Sendable, Equatable {
    /// Native, explicit VR little endian.
    case native
    /// RLE Lossless (encoded in Swift).
    case rle
    /// JPEG baseline (libjpeg-turbo); colour is written YBR_FULL_422.
    case jpegBaseline(quality: Int)

    public var transferSyntax: TransferSyntax {
        switch self {
        case .native: return .explicitVRLittleEndian
        case .rle: return .rleLossless
        case .jpegBaseline: return .jpegBaseline
        }
    }
}

/// Writes Part 10 files: preamble, meta group, data set in explicit VR little endian.
public enum DICOMWriter {
    public static let implementationClassUID = "2.25.302853726151238917342915381286517406201"
    public static let implementationVersionName = "SONOTAG_1"

    /// The complete file bytes. `dataSet` must hold SOPClassUID and SOPInstanceUID; its Pixel Data
    /// (if any) must already be encoded for `transferSyntax` (see `encapsulate`).
    public static func encode(_ dataSet: DataSet, transferSyntax: TransferSyntax = .explicitVRLittleEndian) throws -> [UInt8] {
        guard transferSyntax != .implicitVRLittleEndian, !transferSyntax.isBigEndian, !transferSyntax.isDeflated else {
            throw DICOMError.unsupported("writing \(transferSyntax.uid): the writer emits explicit VR little endian only")
        }
        guard let sopClass = dataSet.string(.sopClassUID), let sopInstance = dataSet.string(.sopInstanceUID) else {
            throw DICOMError.missingAttribute("SOPClassUID/SOPInstanceUID")
        }
        var meta = DataSet()
        meta.set(Tag(0x0002, 0x0001), .OB, bytes: [0, 1])
        meta.set(.mediaStorageSOPClassUID, .UI, string: sopClass)
        meta.set(.mediaStorageSOPInstanceUID, .UI, string: sopInstance)
        meta.set(.transferSyntaxUID, .UI, string: transferSyntax.uid)
        meta.set(Tag(0x0002, 0x0012), .UI, string: implementationClassUID)
        meta.set(Tag(0x0002, 0x0013), .SH, string: implementationVersionName)
        var metaBytes: [UInt8] = []
        try encodeElements(meta, into: &metaBytes)
        var out = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        try encodeElement(
            DataElement(tag: .fileMetaInformationGroupLength, vr: .UL, value: .bytes(le32(UInt32(metaBytes.count)))), into: &out)
        out += metaBytes

        var ds = dataSet
        for t in ds.tags where t.group == 0x0002 { ds.remove(t) }
        if ds[.specificCharacterSet] == nil,
            ds.elements.contains(where: { e in e.vr.usesCharacterSet && (e.bytes?.contains { $0 >= 0x80 } ?? false) })
        {
            ds.set(.specificCharacterSet, .CS, string: "ISO_IR 192")
        }
        try encodeElements(ds, into: &out)
        return out
    }

    /// Writes atomically (`AtomicFile`: temporary file, then rename).
    public static func write(_ dataSet: DataSet, transferSyntax: TransferSyntax = .explicitVRLittleEndian, to url: URL) throws {
        let bytes = try encode(dataSet, transferSyntax: transferSyntax)
        do {
            try AtomicFile.write(Data(bytes), to: url)
        } catch {
            throw DICOMError.io(path: url.path, reason: "\(error)")
        }
    }

    /// Encapsulated Pixel Data: a Basic Offset Table with one entry per frame, one fragment per frame.
    public static func encapsulate(_ frames: [[UInt8]]) -> DataElement {
        var offsets: [UInt8] = []
        var body: [UInt8] = []
        for f in frames {
            offsets += le32(UInt32(body.count))
            var frag = f
            if frag.count % 2 == 1 { frag.append(0) }
            body += itemHeader(frag.count) + frag
        }
        let value = itemHeader(offsets.count) + offsets + body
        return DataElement(tag: .pixelData, vr: .OB, value: .bytes(value + [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]))
    }

    // MARK: - element encoding

    static func encodeElements(_ ds: DataSet, into out: inout [UInt8]) throws {
        for e in ds.elements.sorted(by: { $0.tag < $1.tag }) {
            try encodeElement(e, into: &out)
        }
    }

    static func encodeElement(_ e: DataElement, into out: inout [UInt8]) throws {
        out += le16(e.tag.group) + le16(e.tag.element)
        let vr = e.vr == .none ? VR.UN : e.vr
        out += Array(vr.rawValue.utf8)
        switch e.value {
        case .sequence(let items):
            out += [0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
            for item in items {
                out += [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
                try encodeElements(item, into: &out)
                out += [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]
            }
            out += [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
        case .deferred:
            throw DICOMError.unsupported("writing \(e.tag) still held in its source file; read its bytes first")
        case .bytes(let raw):
            var v = raw
            // Encapsulated pixel data (built by `encapsulate`) is written with undefined length.
            if e.tag == .pixelData, v.count >= 8, v[0] == 0xFE, v[1] == 0xFF, v[2] == 0x00, v[3] == 0xE0 {
                out += [0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
                out += v
                return
            }
            if v.count % 2 == 1 { v.append(vr.paddingByte) }
            if vr.hasLongLength {
                guard v.count < 0xFFFF_FFFF else { throw DICOMError.invalidImage("value of \(e.tag) too long") }
                out += [0, 0] + le32(UInt32(v.count))
            } else {
                guard v.count <= 0xFFFF else {
                    throw DICOMError.invalidImage("value of \(e.tag) (\(vr.rawValue)) is \(v.count) bytes, over 65535")
                }
                out += le16(UInt16(v.count))
            }
            out += v
        }
    }

    static func itemHeader(_ length: Int) -> [UInt8] { [0xFE, 0xFF, 0x00, 0xE0] + le32(UInt32(length)) }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
}
