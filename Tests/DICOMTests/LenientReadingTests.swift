import Foundation
import XCTest

@testable import DICOM

/// Items 15 and 16 of "Nothing silently wrong": files from real ultrasound machines that pydicom
/// reads must be read too (with a warning), and signed pixel data with Bits Stored below Bits
/// Allocated must be sign-extended as pydicom does. The fixtures are written byte by byte here;
/// the expected values are pydicom 3.0.2's reading of exactly these bytes (`dcmread`,
/// `pixel_array`), recorded when the tests were written.
final class LenientReadingTests: XCTestCase {
    // MARK: byte builders (explicit VR little endian)

    private static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }

    private static func element(_ group: Int, _ element: Int, _ vr: String, _ value: [UInt8]) -> [UInt8] {
        var value = value
        if value.count % 2 == 1 { value.append(0x20) }
        let long = ["OB", "OW", "SQ", "UN", "UT", "UC", "UR", "OF", "OD", "OL", "OV"].contains(vr)
        return le16(group) + le16(element) + Array(vr.utf8)
            + (long ? [0, 0] + le32(UInt32(value.count)) : le16(value.count)) + value
    }

    private static func text(_ group: Int, _ element: Int, _ vr: String, _ value: String) -> [UInt8] {
        self.element(group, element, vr, Array(value.utf8))
    }

    private static func tagOnly(_ group: Int, _ element: Int, _ length: UInt32) -> [UInt8] { le16(group) + le16(element) + le32(length) }
    private static let undefined: UInt32 = 0xFFFF_FFFF

    private static func preamble(transferSyntax: String = "1.2.840.10008.1.2.1") -> [UInt8] {
        let meta =
            element(2, 1, "OB", [0, 1]) + text(2, 2, "UI", "1.2.840.10008.5.1.4.1.1.6.1")
            + text(2, 3, "UI", "1.2.3.4") + text(2, 0x10, "UI", transferSyntax)
        return [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + element(2, 0, "UL", le32(UInt32(meta.count))) + meta
    }

    private static let head = text(8, 0x16, "UI", "1.2.840.10008.5.1.4.1.1.6.1") + text(8, 0x60, "CS", "US")
    /// Region Location Min X0 = 1, Min Y0 = 2: an item's content.
    private static let region = element(0x18, 0x6018, "UL", le32(1)) + element(0x18, 0x601A, "UL", le32(2))
    private static let tail =
        text(0x20, 0x13, "IS", "7") + element(0x28, 0x10, "US", le16(2)) + element(0x28, 0x11, "US", le16(2))
        + element(0x7FE0, 0x10, "OW", [1, 2, 3, 4, 5, 6, 7, 8])

    private func assertTopLevelAsPydicom(_ file: DICOMFile, _ label: String) throws {
        // pydicom: InstanceNumber 7, Rows 2, Columns 2, 8 bytes of Pixel Data at top level.
        XCTAssertEqual(file.dataSet.int(Tag(0x0020, 0x0013)), 7, label)
        XCTAssertEqual(file.dataSet.int(.rows), 2, label)
        XCTAssertEqual(file.dataSet.int(.columns), 2, label)
        XCTAssertEqual(file.dataSet.string(.modality), "US", label)
        XCTAssertEqual(file.pixelDataReference?.length, 8, label)
    }

    // MARK: item 15

    /// A defined-length sequence whose undefined-length item ends with a Sequence Delimitation
    /// Item. pydicom: one item holding (0018,6018) and (0018,601A); top level intact.
    func testItemClosedBySequenceDelimiterInADefinedLengthSequence() throws {
        let item = Self.tagOnly(0xFFFE, 0xE000, Self.undefined) + Self.region + Self.tagOnly(0xFFFE, 0xE0DD, 0)
        let bytes = Self.preamble() + Self.head + Self.element(0x18, 0x6011, "SQ", item) + Self.tail
        let file = try DICOMFile(bytes: bytes)
        try assertTopLevelAsPydicom(file, "defined")
        let items = try XCTUnwrap(file.dataSet[Tag(0x0018, 0x6011)]?.items)
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(items[0].int(Tag(0x0018, 0x6018)), 1)
        XCTAssertEqual(items[0].int(Tag(0x0018, 0x601A)), 2)
        XCTAssertTrue(file.warnings.contains { $0.contains("closes an item") }, "\(file.warnings)")
        // Header-only, as the crawl reads it.
        let header = try DICOMFile(bytes: bytes, mode: .headerOnly)
        XCTAssertEqual(header.dataSet.int(Tag(0x0020, 0x0013)), 7)
        XCTAssertNotNil(header.pixelDataReference)
    }

    /// The same in an undefined-length sequence (one delimiter for item and sequence, or one each).
    /// pydicom reads the rest of the file into the item and then fails ("No tag to read"); reading
    /// the top level intact is the more useful answer, and it is what the defined-length case gives.
    func testItemClosedBySequenceDelimiterInAnUndefinedLengthSequence() throws {
        let open = Self.le16(0x18) + Self.le16(0x6011) + Array("SQ".utf8) + [0, 0] + Self.le32(Self.undefined)
        let item = Self.tagOnly(0xFFFE, 0xE000, Self.undefined) + Self.region + Self.tagOnly(0xFFFE, 0xE0DD, 0)
        for (label, closing) in [("one delimiter", [UInt8]()), ("two delimiters", Self.tagOnly(0xFFFE, 0xE0DD, 0))] {
            let file = try DICOMFile(bytes: Self.preamble() + Self.head + open + item + closing + Self.tail)
            try assertTopLevelAsPydicom(file, label)
            XCTAssertEqual(file.dataSet[Tag(0x0018, 0x6011)]?.items?.count, 1, label)
            XCTAssertFalse(file.warnings.isEmpty, label)
        }
    }

    /// Item tags outside any sequence, as pydicom reads them: an element of that length whose
    /// value is skipped; the elements after it are read.
    func testItemTagOutsideASequence() throws {
        let cases: [(String, [UInt8])] = [
            ("item with a defined length", Self.tagOnly(0xFFFE, 0xE000, UInt32(Self.region.count)) + Self.region),
            ("empty item", Self.tagOnly(0xFFFE, 0xE000, 0)),
            ("sequence delimiter", Self.tagOnly(0xFFFE, 0xE0DD, 0))
        ]
        for (label, stray) in cases {
            let bytes = Self.preamble() + Self.head + stray + Self.tail
            let file = try DICOMFile(bytes: bytes)
            try assertTopLevelAsPydicom(file, label)
            // pydicom keeps the stray tag as an element; the region values inside are not elements.
            XCTAssertNil(file.dataSet.int(Tag(0x0018, 0x6018)), label)
            XCTAssertTrue(file.warnings.contains { $0.contains("outside a sequence") }, "\(label): \(file.warnings)")
            XCTAssertNotNil(try DICOMFile(bytes: bytes, mode: .headerOnly).pixelDataReference, label)
        }
    }

    // MARK: item 16

    private static func signedImage(bitsStored: Int, words: [Int], rle: Bool) -> [UInt8] {
        let raw = words.flatMap { le16($0) }
        var pixelData: [UInt8]
        if rle {
            // RLE Lossless: two segments (high bytes, then low bytes), each one literal run.
            func segment(_ bytes: [UInt8]) -> [UInt8] { [UInt8(bytes.count - 1)] + bytes }
            let high = segment(stride(from: 1, to: raw.count, by: 2).map { raw[$0] })
            let low = segment(stride(from: 0, to: raw.count, by: 2).map { raw[$0] })
            var header = le32(2) + le32(64) + le32(UInt32(64 + high.count))
            header += [UInt8](repeating: 0, count: 64 - header.count)
            var fragment = header + high + low
            if fragment.count % 2 == 1 { fragment.append(0) }
            pixelData = tagOnly(0xFFFE, 0xE000, 0) + tagOnly(0xFFFE, 0xE000, UInt32(fragment.count)) + fragment + tagOnly(0xFFFE, 0xE0DD, 0)
        } else {
            pixelData = raw
        }
        let image =
            head + element(0x28, 0x02, "US", le16(1)) + text(0x28, 0x04, "CS", "MONOCHROME2")
            + element(0x28, 0x10, "US", le16(2)) + element(0x28, 0x11, "US", le16(4))
            + element(0x28, 0x100, "US", le16(16)) + element(0x28, 0x101, "US", le16(bitsStored))
            + element(0x28, 0x102, "US", le16(bitsStored - 1)) + element(0x28, 0x103, "US", le16(1))
        let pixels =
            rle
            ? le16(0x7FE0) + le16(0x10) + Array("OB".utf8) + [0, 0] + le32(undefined) + pixelData
            : element(0x7FE0, 0x10, "OW", pixelData)
        return preamble(transferSyntax: rle ? "1.2.840.10008.1.2.5" : "1.2.840.10008.1.2.1") + image + pixels
    }

    private func int16Values(_ frame: PixelFrame) -> [Int] {
        stride(from: 0, to: frame.data.count, by: 2).map {
            Int(Int16(bitPattern: UInt16(frame.data[$0]) | UInt16(frame.data[$0 + 1]) << 8))
        }
    }

    /// Stored words, including ones whose unused high bits hold garbage or an extension already.
    func testSignedPartialBitsAreSignExtendedAsPydicom() throws {
        let twelve = [0x0800, 0x0FFF, 0x07FF, 0x0001, 0xF800, 0x1FFF, 0x0000, 0x0ABC]
        let eight = [0x00FF, 0x0080, 0x007F, 0x0001, 0xFF80, 0x01FF, 0x0000, 0x00AB]
        // pydicom 3.0.2 pixel_array (int16) of the same bytes, native and RLE alike.
        let pydicomTwelve = [-2048, -1, 2047, 1, -2048, -1, 0, -1348]
        let pydicomEight = [-1, -128, 127, 1, -128, -1, 0, -85]
        for rle in [false, true] {
            for (bits, words, expected) in [(12, twelve, pydicomTwelve), (8, eight, pydicomEight)] {
                let file = try DICOMFile(bytes: Self.signedImage(bitsStored: bits, words: words, rle: rle))
                let frame = try file.decodeFrame(0)
                XCTAssertEqual(frame.sampleType, .int16)
                XCTAssertEqual(int16Values(frame), expected, "\(bits) of 16 bits, \(rle ? "RLE" : "native")")
            }
        }
    }
}
