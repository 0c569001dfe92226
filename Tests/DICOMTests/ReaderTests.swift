import DICOMCodecs
import Foundation
import XCTest

@testable import DICOM

/// Counts the bytes a parse pulls from a file.
final class CountingSource: ByteSource {
    let inner: ByteSource
    var bytesRead = 0
    init(_ inner: ByteSource) { self.inner = inner }
    var count: Int { inner.count }
    func read(at offset: Int, length: Int) throws -> [UInt8] {
        let b = try inner.read(at: offset, length: length)
        bytesRead += b.count
        return b
    }
}

/// Builds small data sets and files for tests.
enum Build {
    static func file(_ ds: DataSet, transferSyntax: TransferSyntax = .explicitVRLittleEndian) throws -> [UInt8] {
        var d = ds
        if d[.sopClassUID] == nil { d.set(.sopClassUID, .UI, string: "1.2.840.10008.5.1.4.1.1.7") }
        if d[.sopInstanceUID] == nil { d.set(.sopInstanceUID, .UI, string: "1.2.3.4") }
        return try DICOMWriter.encode(d, transferSyntax: transferSyntax)
    }

    static func image(rows: Int, columns: Int, samples: Int = 1, bits: Int = 8, photometric: String = "MONOCHROME2", frames: Int = 1)
        -> DataSet
    {
        var ds = DataSet()
        ds.set(.samplesPerPixel, .US, int: samples)
        ds.set(.photometricInterpretation, .CS, string: photometric)
        ds.set(.rows, .US, int: rows)
        ds.set(.columns, .US, int: columns)
        ds.set(.bitsAllocated, .US, int: bits)
        ds.set(.bitsStored, .US, int: bits)
        ds.set(.highBit, .US, int: bits - 1)
        ds.set(.pixelRepresentation, .US, int: 0)
        if frames > 1 { ds.set(.numberOfFrames, .IS, int: frames) }
        return ds
    }
}

final class ReaderTests: XCTestCase {
    func testDictionaryFromDCMTK() {
        XCTAssertEqual(DataDictionary.tag(forKeyword: "TransducerData"), Tag(0x0018, 0x5010))
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x0018, 0x6011))?.vr, .SQ)
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x0018, 0x5010))?.vm, "1-n")
        // Repeating groups: overlays in 60xx.
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x6002, 0x3000))?.keyword, "OverlayData")
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x0009, 0x0010))?.keyword, "PrivateCreator")
        XCTAssertNil(DataDictionary.entry(for: Tag(0x0009, 0x1001)))
    }

    func testUltrasoundRegionsMatchPydicom() throws {
        var checked = 0
        for record in try Fixtures.expected() {
            guard let regions = record["ultrasound_regions"] as? [[String: Any]] else { continue }
            let file = try DICOMFile(url: Fixtures.file(record["file"] as! String), mode: .headerOnly)
            let ours = file.ultrasoundRegions
            XCTAssertEqual(ours.count, regions.count)
            for (r, want) in zip(ours, regions) {
                let values: [String: Double?] = [
                    "RegionLocationMinX0": Double(r.minX0), "RegionLocationMinY0": Double(r.minY0),
                    "RegionLocationMaxX1": Double(r.maxX1), "RegionLocationMaxY1": Double(r.maxY1),
                    "RegionSpatialFormat": r.spatialFormat.map(Double.init), "RegionDataType": r.dataType.map(Double.init),
                    "PhysicalDeltaX": r.physicalDeltaX, "PhysicalDeltaY": r.physicalDeltaY
                ]
                for (k, v) in values {
                    let w = (want[k] as? NSNumber)?.doubleValue
                    // Foundation's JSON parser may be an ulp off pydicom's float repr.
                    XCTAssertEqual(v ?? .nan, w ?? .nan, accuracy: 1e-12 * max(1, abs(w ?? 0)), "\(record["file"]!) \(k)")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 2)
    }

    func testTissueRegionIsClampedAndPrefers2DTissue() throws {
        var ds = Build.image(rows: 100, columns: 200)
        func region(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ format: Int, _ type: Int) -> UltrasoundRegion {
            UltrasoundRegion(
                minX0: x0, minY0: y0, maxX1: x1, maxY1: y1, spatialFormat: format, dataType: type, flags: 0,
                physicalUnitsX: 3, physicalUnitsY: 3, physicalDeltaX: 0.01, physicalDeltaY: 0.02)
        }
        let regions = [
            region(0, 0, 199, 10, 5, 0),  // graphics, larger
            region(150, 20, 260, 130, 1, 1),  // tissue, past the edge
            region(10, 20, 40, 50, 1, 2)  // colour flow
        ]
        ds.set(.sequenceOfUltrasoundRegions, items: regions.map(\.dataSetItem))
        ds.set(.pixelData, .OB, bytes: [UInt8](repeating: 0, count: 20000))
        let file = try DICOMFile(bytes: Build.file(ds))
        XCTAssertEqual(file.ultrasoundRegions, regions)
        let chosen = try XCTUnwrap(file.tissueRegion())
        XCTAssertEqual(chosen.region, regions[1])
        // Columns 150...199 and rows 20...99 are inside the 200×100 image.
        XCTAssertEqual(chosen.box, PixelBox(x: 150, y: 20, width: 50, height: 80))
        XCTAssertNil(UltrasoundRegion(minX0: 300, minY0: 0, maxX1: 400, maxY1: 10).clampedBox(rows: 100, columns: 200))
    }

    func testHeaderOnlyReadsOnlyTheHeader() throws {
        let url = try Fixtures.file("examples_ybr_color.dcm")
        let counting = CountingSource(try FileSource(path: url.path))
        let head = try DICOMFile(source: counting, path: url.path, mode: .headerOnly, options: ParseOptions())
        let ref = try XCTUnwrap(head.pixelDataReference)
        XCTAssertNil(ref.length)  // encapsulated
        // The header is 35 KB (private UT values); reads overshoot it by at most one read-ahead window.
        XCTAssertLessThan(counting.bytesRead, 2 * ref.offset + 16_384)
        XCTAssertLessThan(counting.bytesRead, counting.count / 2)
        XCTAssertEqual(head.numberOfFrames, 30)
        XCTAssertEqual(try head.frameCount(), 30)
        // The header-only file still decodes frames on request, identically to a full read.
        let full = try DICOMFile(url: url)
        XCTAssertEqual(try head.decodeFrame(7).data, try full.decodeFrame(7).data)
    }

    func testTypedValues() throws {
        var ds = DataSet()
        ds.set(Tag(0x0028, 0x0030), .DS, bytes: Array(" 0.25\\1.5e-1 ".utf8))
        ds.set(Tag(0x0020, 0x0013), .IS, bytes: Array(" 42 ".utf8))
        ds.set(Tag(0x0008, 0x0020), .DA, string: "20240229")
        ds.set(Tag(0x0008, 0x0030), .TM, string: "101502.25")
        ds.set(Tag(0x0028, 0x0009), .AT, bytes: [0x18, 0x00, 0x63, 0x10, 0x28, 0x00, 0x08, 0x00])
        ds.set(.transducerData, .LO, strings: ["SC6-1", "", "C"])
        ds.set(Tag(0x0018, 0x6020), .SL, ints: [-5, 7])
        ds.set(Tag(0x0018, 0x602C), .FD, double: 0.0123)
        XCTAssertEqual(ds.doubles(Tag(0x0028, 0x0030)), [0.25, 0.15])
        XCTAssertEqual(ds.int(Tag(0x0020, 0x0013)), 42)
        XCTAssertEqual(ds.date("StudyDate"), DateComponents(year: 2024, month: 2, day: 29))
        let t = try XCTUnwrap(ds.time(Tag(0x0008, 0x0030)))
        XCTAssertEqual([t.hour, t.minute, t.second], [10, 15, 2])
        XCTAssertEqual(t.nanosecond, 250_000_000)
        XCTAssertEqual(ds.tagValues(Tag(0x0028, 0x0009)), [Tag(0x0018, 0x1063), Tag(0x0028, 0x0008)])
        XCTAssertEqual(ds.strings("TransducerData"), ["SC6-1", "", "C"])
        XCTAssertEqual(ds.ints(Tag(0x0018, 0x6020)), [-5, 7])
        XCTAssertEqual(ds.double(Tag(0x0018, 0x602C)), 0.0123)
        // Round trip through a file keeps all of it.
        let back = try DICOMFile(bytes: Build.file(ds)).dataSet
        XCTAssertEqual(back.doubles(Tag(0x0028, 0x0030)), [0.25, 0.15])
        XCTAssertEqual(back.ints(Tag(0x0018, 0x6020)), [-5, 7])
    }

    func testCharacterSets() throws {
        func name(_ charset: String, _ bytes: [UInt8]) throws -> String? {
            var ds = DataSet()
            ds.set(.specificCharacterSet, .CS, string: charset)
            ds.set(Tag(0x0008, 0x1030), .LO, bytes: bytes)
            return try DICOMFile(bytes: Build.file(ds)).dataSet.string(.studyDescription)
        }
        XCTAssertEqual(try name("ISO_IR 100", [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72]), "Müller")  // Latin-1 ü = FC
        XCTAssertEqual(try name("ISO_IR 192", Array("Müller 肝臓".utf8)), "Müller 肝臓")
        XCTAssertEqual(try name("ISO_IR 144", [0xBF, 0xE0, 0xD8, 0xD2, 0xD5, 0xE2]), "Привет")  // ISO 8859-5
        XCTAssertEqual(try name("ISO_IR 101", [0xA3, 0xF3, 0x64, 0xBC]), "Łódź")  // ISO 8859-2
        XCTAssertEqual(try name("", Array("LIVER".utf8)), "LIVER")
        // Items inherit the character set of their data set.
        var item = DataSet()
        item.set(Tag(0x0008, 0x0104), .LO, bytes: [0xE9, 0x74, 0xE9])
        var ds = DataSet()
        ds.set(.specificCharacterSet, .CS, string: "ISO_IR 100")
        ds.set(Tag(0x0008, 0x1032), items: [item])
        let back = try DICOMFile(bytes: Build.file(ds)).dataSet
        XCTAssertEqual(back.sequence(Tag(0x0008, 0x1032))?.first?.string(Tag(0x0008, 0x0104)), "été")
    }

    func testImplicitAndBigEndianAndDeflatedAgree() throws {
        // The same MR image in four encodings: identical values.
        let names = ["MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm"]
        let frames = try names.map { try DICOMFile(url: Fixtures.file($0)).decodeFrame(0).data }
        for f in frames.dropFirst() { XCTAssertEqual(f, frames[0]) }
        let dfl = try DICOMFile(url: Fixtures.file("image_dfl.dcm"))
        XCTAssertTrue(dfl.transferSyntax.isDeflated)
        XCTAssertEqual(try dfl.decodeFrame(0).data.count, 512 * 512)
    }

    func testDeflateRoundTrip() throws {
        let data: [UInt8] = (0..<100_000).map { UInt8($0 % 251) }
        let z = try Deflate.deflateRaw(data)
        XCTAssertEqual(try Deflate.inflateRaw(z, limit: 200_000), data)
        XCTAssertThrowsError(try Deflate.inflateRaw(z, limit: 1000))
        XCTAssertThrowsError(try Deflate.inflateRaw(Array(z.prefix(z.count / 2)), limit: 200_000))
    }

    /// Encapsulated frames: Extended Offset Table, Basic Offset Table, and boundaries found from
    /// codestream starts when both tables are empty and frames span several fragments.
    func testFrameBoundaries() throws {
        let frames: [[UInt8]] = (0..<3).map { k in (0..<(16 * 16)).map { UInt8(($0 + k * 40) % 256) } }
        let jpegs = try frames.map { try JPEG.encodeBaseline($0, width: 16, height: 16, components: 1, quality: 90, subsampling: .gray) }
        func file(fragments: [[UInt8]], bot: [UInt32], eot: [UInt64]? = nil, frameCount: Int = 3) throws -> DICOMFile {
            var ds = Build.image(rows: 16, columns: 16, frames: frameCount)
            if frameCount == 1 { ds.set(.numberOfFrames, .IS, int: 1) }
            var value = DICOMWriter.itemHeader(bot.count * 4) + bot.flatMap { DICOMWriter.le32($0) }
            for f in fragments { value += DICOMWriter.itemHeader(f.count) + f }
            value += [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
            if let eot {
                ds.set(
                    Tag(0x7FE0, 0x0001), .OV, bytes: eot.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } })
            }
            ds.set(DataElement(tag: .pixelData, vr: .OB, value: .bytes(value)))
            return try DICOMFile(bytes: Build.file(ds, transferSyntax: .jpegBaseline))
        }
        let expected = try jpegs.map { try JPEG.decode($0, colorTransform: .native).data }
        // Split each codestream in two fragments (even lengths).
        var split: [[UInt8]] = []
        var starts: [UInt32] = []
        var pos: UInt32 = 0
        for j in jpegs {
            let padded = j.count % 2 == 1 ? j + [0] : j
            let half = (padded.count / 2) & ~1
            starts.append(pos)
            split += [Array(padded[..<half]), Array(padded[half...])]
            pos += UInt32(8 + half + 8 + padded.count - half)
        }
        let withBOT = try file(fragments: split, bot: starts)
        let withEOT = try file(fragments: split, bot: [], eot: starts.map(UInt64.init))
        let noTable = try file(fragments: split, bot: [])
        for f in [withBOT, withEOT, noTable] {
            XCTAssertEqual(try f.frameCount(), 3)
            for i in 0..<3 { XCTAssertEqual(try f.decodeFrame(i).data, expected[i]) }
        }
        // Fewer fragments than frames, or a table of the wrong size: typed errors.
        XCTAssertThrowsError(try file(fragments: Array(jpegs.prefix(2)), bot: []).frameCount()) { e in
            guard case DICOMError.pixelData = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try file(fragments: split, bot: [0, 10]).frameCount()) { e in
            guard case DICOMError.pixelData = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try withBOT.decodeFrame(3)) { e in XCTAssertEqual(e as? DICOMError, .frameOutOfRange(index: 3, count: 3)) }
    }

    func testJPEGColourSpaceMismatchFollowsStreamWithWarning() throws {
        // A JFIF (YCbCr) stream declared RGB: decoding must convert, and say so.
        let rgb: [UInt8] = (0..<(16 * 16)).flatMap { _ in [200, 30, 40] as [UInt8] }
        let jpeg = try JPEG.encodeBaseline(rgb, width: 16, height: 16, components: 3, quality: 95, subsampling: .s444)
        var ds = Build.image(rows: 16, columns: 16, samples: 3, photometric: "RGB")
        ds.set(.planarConfiguration, .US, int: 0)
        ds.set(DICOMWriter.encapsulate([jpeg]))
        let f = try DICOMFile(bytes: Build.file(ds, transferSyntax: .jpegBaseline))
        let px = try f.decodeFrame(0)
        XCTAssertEqual(Double(px.data[0]), 200, accuracy: 4)
        XCTAssertEqual(Double(px.data[1]), 30, accuracy: 4)
        XCTAssertEqual(Double(px.data[2]), 40, accuracy: 4)
        XCTAssertTrue(f.warnings.contains { $0.contains("following the stream") }, "\(f.warnings)")
    }

    func testGrayscaleView() throws {
        // MONOCHROME1: 0 is white.
        var m1 = Build.image(rows: 1, columns: 3, photometric: "MONOCHROME1")
        m1.set(.pixelData, .OB, bytes: [0, 51, 255, 0])
        let g1 = try DICOMFile(bytes: Build.file(m1)).grayscaleFrame(0)
        for (a, b) in zip(g1.pixels, [1, 0.8, 0] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // RGB → luma (ITU-R BT.601 weights).
        var rgb = Build.image(rows: 1, columns: 2, samples: 3, photometric: "RGB")
        rgb.set(.planarConfiguration, .US, int: 0)
        rgb.set(.pixelData, .OB, bytes: [255, 0, 0, 10, 20, 30])
        let g2 = try DICOMFile(bytes: Build.file(rgb)).grayscaleFrame(0)
        XCTAssertEqual(g2.pixels[0], 0.299, accuracy: 1e-5)
        XCTAssertEqual(g2.pixels[1], Float(0.299 * 10 + 0.587 * 20 + 0.114 * 30) / 255, accuracy: 1e-5)
        // 16-bit MONOCHROME2 with 12 stored bits scales by 4095.
        var m2 = Build.image(rows: 1, columns: 2, bits: 16)
        m2.set(.bitsStored, .US, int: 12)
        m2.set(.pixelData, .OW, bytes: [0xFF, 0x0F, 0x00, 0x08])
        let g3 = try DICOMFile(bytes: Build.file(m2)).grayscaleFrame(0)
        XCTAssertEqual(g3.pixels[0], 1, accuracy: 1e-6)
        XCTAssertEqual(g3.pixels[1], 2048 / 4095, accuracy: 1e-6)
        // Palette: the LUT is applied (checked against the fixture's own tables).
        let pal = try DICOMFile(url: Fixtures.file("examples_palette.dcm"))
        let idx = try pal.decodeFrame(0)
        let lut = try PaletteLUT(pal.dataSet)
        let gp = try pal.grayscaleFrame(0)
        for p in [0, 1234, 50_000, 200_000] {
            let k = lut.index(Int(idx.value(at: p)))
            let want = (0.299 * Float(lut.red[k]) + 0.587 * Float(lut.green[k]) + 0.114 * Float(lut.blue[k])) / 65535
            XCTAssertEqual(gp.pixels[p], want, accuracy: 1e-5)
        }
        XCTAssertEqual(gp.toUInt8().count, 350 * 800)
    }

    func testSegmentedPaletteExpansion() throws {
        // Discrete 2 values, linear ramp to 100 over 4 steps, then an indirect copy of segment 0.
        let words: [UInt16] = [0, 2, 0, 20, 1, 4, 100, 2, 1, 0, 0]
        XCTAssertEqual(try PaletteLUT.expandSegments(words, count: 16, name: "t"), [0, 20, 40, 60, 80, 100, 0, 20])
        XCTAssertThrowsError(try PaletteLUT.expandSegments([7, 1, 0], count: 16, name: "t"))
        XCTAssertThrowsError(try PaletteLUT.expandSegments([0, 100, 1], count: 16, name: "t"))
    }

    func testUltrasoundAttributes() throws {
        let f = try DICOMFile(url: Fixtures.file("examples_ybr_color.dcm"), mode: .headerOnly)
        XCTAssertEqual(f.transferSyntax, .jpegBaseline)
        XCTAssertEqual(f.studyDescription, "")
        XCTAssertFalse(f.dataSet.contains(.burnedInAnnotation))
        XCTAssertNil(f.burnedInAnnotation)
        XCTAssertEqual(f.dataSet.string(.modality), "US")
    }
}
