import DICOM
import Foundation

/// Serialises a phantom instance as a DICOM Part 10 file in Explicit VR Little Endian (native)
/// or with encapsulated pixel data (JPEG Baseline, RLE Lossless). Only what the phantom writes:
/// 8-bit pixels, defined-length sequences.
enum Part10Writer {
    static let implementationClassUID = "2.25.257913473516244317914207391125405113"
    static let implementationVersion = "SONOTAG_PH1"

    enum PixelPayload {
        /// Native pixel bytes for all frames.
        case native([UInt8])
        /// One compressed fragment per frame.
        case encapsulated([[UInt8]])
    }

    static func encode(dataSet: DataSet, sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String, pixels: PixelPayload) -> [UInt8] {
        var meta: [UInt8] = []
        append(InstanceHeader.DataElementFactory.bytes(0x0002, 0x0001, .OB, [0, 1]), to: &meta)
        append(InstanceHeader.uid(0x0002, 0x0002, sopClassUID), to: &meta)
        append(InstanceHeader.uid(0x0002, 0x0003, sopInstanceUID), to: &meta)
        append(InstanceHeader.uid(0x0002, 0x0010, transferSyntaxUID), to: &meta)
        append(InstanceHeader.uid(0x0002, 0x0012, implementationClassUID), to: &meta)
        append(InstanceHeader.text(0x0002, 0x0013, .SH, implementationVersion), to: &meta)

        var out = [UInt8](repeating: 0, count: 128)
        out.reserveCapacity(4096)
        out += Array("DICM".utf8)
        append(InstanceHeader.ul(0x0002, 0x0000, [meta.count]), to: &out)
        out += meta
        for element in dataSet.elements.sorted(by: { $0.tag < $1.tag }) where element.tag.group != 0x0002 {
            append(element, to: &out)
        }
        switch pixels {
        case .native(var bytes):
            if bytes.count % 2 == 1 { bytes.append(0) }
            header(0x7FE0, 0x0010, vr: "OB", length: UInt32(bytes.count), to: &out)
            out += bytes
        case .encapsulated(let fragments):
            header(0x7FE0, 0x0010, vr: "OB", length: 0xFFFF_FFFF, to: &out)
            // Basic Offset Table: each frame's item offset from the first fragment item.
            var offsets: [UInt8] = []
            var position: UInt32 = 0
            for fragment in fragments {
                offsets += InstanceHeader.le32(position)
                position += 8 + UInt32(fragment.count + fragment.count % 2)
            }
            item(offsets, to: &out)
            for fragment in fragments { item(fragment, to: &out) }
            tagOnly(0xFFFE, 0xE0DD, to: &out)
            out += [0, 0, 0, 0]
        }
        return out
    }

    private static let longVRs: Set<String> = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]

    private static func append(_ element: DataElement, to out: inout [UInt8]) {
        switch element.value {
        case .bytes(let bytes):
            var value = bytes
            if value.count % 2 == 1 { value.append(element.vr == .UI || element.vr == .OB ? 0 : 0x20) }
            header(element.tag.group, element.tag.element, vr: element.vr.rawValue, length: UInt32(value.count), to: &out)
            out += value
        case .sequence(let items):
            var body: [UInt8] = []
            for entry in items {
                var content: [UInt8] = []
                for e in entry.elements.sorted(by: { $0.tag < $1.tag }) { append(e, to: &content) }
                item(content, to: &body)
            }
            header(element.tag.group, element.tag.element, vr: "SQ", length: UInt32(body.count), to: &out)
            out += body
        case .deferred:
            break   // The phantom never builds deferred values.
        }
    }

    private static func header(_ group: UInt16, _ element: UInt16, vr: String, length: UInt32, to out: inout [UInt8]) {
        tagOnly(group, element, to: &out)
        out += Array(vr.utf8)
        if longVRs.contains(vr) {
            out += [0, 0]
            out += InstanceHeader.le32(length)
        } else {
            out += [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF)]
        }
    }

    private static func tagOnly(_ group: UInt16, _ element: UInt16, to out: inout [UInt8]) {
        out += [UInt8(group & 0xFF), UInt8(group >> 8), UInt8(element & 0xFF), UInt8(element >> 8)]
    }

    private static func item(_ content: [UInt8], to out: inout [UInt8]) {
        tagOnly(0xFFFE, 0xE000, to: &out)
        let padded = content.count % 2 == 1 ? content + [0] : content
        out += InstanceHeader.le32(UInt32(padded.count))
        out += padded
    }
}

extension InstanceHeader {
    enum DataElementFactory {
        static func bytes(_ group: UInt16, _ element: UInt16, _ vr: VR, _ value: [UInt8]) -> DataElement {
            DataElement(tag: Tag(group, element), vr: vr, value: .bytes(value))
        }
    }
}

/// RLE Lossless (PS3.5 Annex G) for 8-bit frames: one PackBits segment per colour plane, each
/// row encoded on its own so runs never cross rows.
enum RLEEncoder {
    static func encodeFrame(_ pixels: [UInt8], width: Int, height: Int, samples: Int) -> [UInt8] {
        var segments: [[UInt8]] = []
        for plane in 0..<samples {
            var segment: [UInt8] = []
            var row = [UInt8](repeating: 0, count: width)
            for y in 0..<height {
                for x in 0..<width { row[x] = pixels[(y * width + x) * samples + plane] }
                packBits(row, into: &segment)
            }
            if segment.count % 2 == 1 { segment.append(0x80) }   // -128: a no-op byte
            segments.append(segment)
        }
        var header = InstanceHeader.le32(UInt32(segments.count))
        var offset = 64
        for k in 0..<15 {
            if k < segments.count {
                header += InstanceHeader.le32(UInt32(offset))
                offset += segments[k].count
            } else {
                header += [0, 0, 0, 0]
            }
        }
        return header + segments.flatMap { $0 }
    }

    static func packBits(_ data: [UInt8], into out: inout [UInt8]) {
        var i = 0
        let n = data.count
        while i < n {
            // A run of ≥ 2 equal bytes becomes a replicate run.
            var run = 1
            while i + run < n && run < 128 && data[i + run] == data[i] { run += 1 }
            if run >= 2 {
                out.append(UInt8(bitPattern: Int8(1 - run)))
                out.append(data[i])
                i += run
                continue
            }
            // Otherwise collect literals until the next pair of equal bytes.
            var end = i + 1
            while end < n && end - i < 128 && !(end + 1 < n && data[end] == data[end + 1]) { end += 1 }
            out.append(UInt8(end - i - 1))
            out += data[i..<end]
            i = end
        }
    }
}
