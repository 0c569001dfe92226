import Foundation

/// Writes small explicit-VR little-endian ultrasound files byte by byte, independently of the
/// DICOM module under test, with chosen identifiers, labels, regions and pixels.
struct TestDICOMBuilder {
    var patientID = "PID-0001"
    var patientName = "DOE^JANE"
    var studyUID = "1.2.826.0.1.3680043.2.1125.1"
    var seriesUID = "1.2.826.0.1.3680043.2.1125.2"
    var sopUID = "1.2.826.0.1.3680043.2.1125.3"
    var transducer: String? = "SC6-1"
    var studyDescription: String? = "US BIOPSY LIVER FOCAL"
    /// StudyDate (DA, YYYYMMDD); none by default.
    var studyDate: String?
    var manufacturer = "ACME"
    var rows = 32
    var columns = 48
    var frames = 1
    /// Tissue region corners (inclusive), as stored in the file.
    var region: (x0: Int, y0: Int, x1: Int, y1: Int)? = nil
    /// Pixel value at (x, y, frame); 8-bit MONOCHROME2.
    var pixel: (Int, Int, Int) -> UInt8 = { x, y, f in UInt8((x * 3 + y * 5 + f * 7) & 0xFF) }
    var transferSyntax = "1.2.840.10008.1.2.1"
    var includePixelData = true
    /// False writes a non-image object (no image pixel module, an SR class).
    var isImage = true
    /// Writes the region item with an undefined length closed by a Sequence Delimitation Item
    /// instead of an Item Delimitation Item, as some ultrasound machines do.
    var regionItemClosedBySequenceDelimiter = false

    func bytes() -> [UInt8] {
        var meta: [UInt8] = []
        appendElement(&meta, 0x0002, 0x0001, "OB", [0, 1])
        let sopClass = isImage ? "1.2.840.10008.5.1.4.1.1.6.1" : "1.2.840.10008.5.1.4.1.1.88.11"
        appendText(&meta, 0x0002, 0x0002, "UI", sopClass)
        appendText(&meta, 0x0002, 0x0003, "UI", sopUID)
        appendText(&meta, 0x0002, 0x0010, "UI", transferSyntax)
        var out = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        appendElement(&out, 0x0002, 0x0000, "UL", le32(meta.count))
        out += meta
        appendText(&out, 0x0008, 0x0016, "UI", sopClass)
        appendText(&out, 0x0008, 0x0018, "UI", sopUID)
        if let studyDate { appendText(&out, 0x0008, 0x0020, "DA", studyDate) }
        appendText(&out, 0x0008, 0x0060, "CS", "US")
        appendText(&out, 0x0008, 0x0070, "LO", manufacturer)
        if let studyDescription { appendText(&out, 0x0008, 0x1030, "LO", studyDescription) }
        appendText(&out, 0x0010, 0x0010, "PN", patientName)
        appendText(&out, 0x0010, 0x0020, "LO", patientID)
        if let transducer { appendText(&out, 0x0018, 0x5010, "LO", transducer) }
        if let region {
            var item: [UInt8] = []
            appendElement(&item, 0x0018, 0x6012, "US", le16(1))
            appendElement(&item, 0x0018, 0x6014, "US", le16(1))
            appendElement(&item, 0x0018, 0x6018, "UL", le32(region.x0))
            appendElement(&item, 0x0018, 0x601A, "UL", le32(region.y0))
            appendElement(&item, 0x0018, 0x601C, "UL", le32(region.x1))
            appendElement(&item, 0x0018, 0x601E, "UL", le32(region.y1))
            var sequence: [UInt8] =
                regionItemClosedBySequenceDelimiter
                ? le16(0xFFFE) + le16(0xE000) + [0xFF, 0xFF, 0xFF, 0xFF] + item + le16(0xFFFE) + le16(0xE0DD) + le32(0)
                : le16(0xFFFE) + le16(0xE000) + le32(item.count) + item
            sequence = le16(0x0018) + le16(0x6011) + Array("SQ".utf8) + [0, 0] + le32(sequence.count) + sequence
            out += sequence
        }
        appendText(&out, 0x0020, 0x000D, "UI", studyUID)
        appendText(&out, 0x0020, 0x000E, "UI", seriesUID)
        guard isImage else { return out }
        appendElement(&out, 0x0028, 0x0002, "US", le16(1))
        appendText(&out, 0x0028, 0x0004, "CS", "MONOCHROME2")
        if frames > 1 { appendText(&out, 0x0028, 0x0008, "IS", String(frames)) }
        appendElement(&out, 0x0028, 0x0010, "US", le16(rows))
        appendElement(&out, 0x0028, 0x0011, "US", le16(columns))
        appendElement(&out, 0x0028, 0x0100, "US", le16(8))
        appendElement(&out, 0x0028, 0x0101, "US", le16(8))
        appendElement(&out, 0x0028, 0x0102, "US", le16(7))
        appendElement(&out, 0x0028, 0x0103, "US", le16(0))
        if includePixelData {
            var pixels: [UInt8] = []
            pixels.reserveCapacity(rows * columns * frames)
            for f in 0..<frames { for y in 0..<rows { for x in 0..<columns { pixels.append(pixel(x, y, f)) } } }
            if pixels.count % 2 == 1 { pixels.append(0) }
            appendElement(&out, 0x7FE0, 0x0010, "OB", pixels)
        }
        return out
    }

    func write(to path: String) throws {
        try Data(bytes()).write(to: URL(fileURLWithPath: path))
    }

    private func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    private func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }

    private func appendText(_ out: inout [UInt8], _ group: Int, _ element: Int, _ vr: String, _ text: String) {
        var value = Array(text.utf8)
        if value.count % 2 == 1 { value.append(vr == "UI" ? 0 : 0x20) }
        appendElement(&out, group, element, vr, value)
    }

    private func appendElement(_ out: inout [UInt8], _ group: Int, _ element: Int, _ vr: String, _ value: [UInt8]) {
        out += le16(group) + le16(element) + Array(vr.utf8)
        if ["OB", "OW", "SQ", "UN", "UT", "UC", "UR"].contains(vr) {
            out += [0, 0] + le32(value.count)
        } else {
            out += le16(value.count)
        }
        out += value
    }
}
