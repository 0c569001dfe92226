import Foundation
import SeededRandom
import SonoSupport
import XCTest

@testable import DICOM

/// Broken input must give typed errors: no crash, no trap, no allocation the file cannot justify.
final class MalformedInputTests: XCTestCase {
    /// Opens and decodes everything; returns the DICOMError, nil on success, and fails on any other error.
    @discardableResult
    func exercise(_ bytes: [UInt8], _ options: ParseOptions = ParseOptions(), _ label: @autoclosure () -> String) -> DICOMError? {
        do {
            let f = try DICOMFile(bytes: bytes, options: options)
            _ = f.dataSet.plainItems()
            _ = f.ultrasoundRegions
            if f.hasPixelData {
                let n = try f.frameCount()
                for i in 0..<min(n, 3) {
                    _ = try f.decodeFrame(i)
                    _ = try f.grayscaleFrame(i)
                }
            }
            return nil
        } catch let e as DICOMError {
            return e
        } catch {
            XCTFail("\(label()): untyped error \(error)")
            return nil
        }
    }

    /// Offsets of every element header, with its nesting depth.
    static func boundaries(_ ds: DataSet, depth: Int = 0) -> [(offset: Int, depth: Int)] {
        ds.elements.flatMap { e -> [(offset: Int, depth: Int)] in
            [(e.offset, depth)] + (e.items ?? []).flatMap { boundaries($0, depth: depth + 1) }
        }
    }

    func testTruncationAtEveryElementBoundary() throws {
        let names = [
            "CT_small.dcm", "rtplan.dcm", "MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm", "UN_sequence.dcm",
            "nested_priv_SQ.dcm", "examples_palette.dcm", "ExplVR_BigEndNoMeta.dcm", "JPEG2000.dcm"
        ]
        var cuts = 0
        for name in names {
            let bytes = try Fixtures.bytes(name)
            let file = try DICOMFile(bytes: bytes)
            var points = Self.boundaries(file.meta) + Self.boundaries(file.dataSet)
            if let p = file.pixelDataReference { points.append((p.offset + 6, 0)) }
            for (offset, depth) in points {
                for cut in [offset, offset + 1, offset + 5, offset + 9] where cut > 0 && cut < bytes.count {
                    let prefix = Array(bytes[..<cut])
                    let strict = exercise(prefix, .strict, "\(name) strict cut \(cut)")
                    exercise(prefix, ParseOptions(), "\(name) lenient cut \(cut)")
                    // A cut inside a sequence can never be a complete data set.
                    if depth > 0 && cut == offset {
                        if case .truncated? = strict {
                        } else if case .malformed? = strict {
                        } else {
                            XCTFail("\(name): strict read of a cut inside a sequence at \(cut) gave \(String(describing: strict))")
                        }
                    }
                    cuts += 1
                }
            }
        }
        XCTAssertGreaterThan(cuts, 1000)
    }

    func testLengthsPastEndOfFile() throws {
        var ds = DataSet()
        ds.set(.studyDescription, .LO, string: "LIVER")
        ds.set(Tag(0x0019, 0x0010), .LO, string: "PRIVATE")
        ds.set(Tag(0x0019, 0x1001), .OB, bytes: [1, 2, 3, 4])
        let bytes = try Build.file(ds)
        // Short-length VR: LO length set to 0xFFFE.
        var shortLen = bytes
        let lo = try XCTUnwrap(DICOMFile(bytes: bytes).dataSet[.studyDescription]).offset
        shortLen[lo + 6] = 0xFE
        shortLen[lo + 7] = 0xFF
        // Long-length VR: OB length set to 0x7FFFFFF0.
        var longLen = bytes
        let ob = try XCTUnwrap(DICOMFile(bytes: bytes).dataSet[Tag(0x0019, 0x1001)]).offset
        longLen.replaceSubrange((ob + 8)..<(ob + 12), with: [0xF0, 0xFF, 0xFF, 0x7F])
        for (label, b) in [("LO", shortLen), ("OB", longLen)] {
            XCTAssertThrowsError(try DICOMFile(bytes: b, options: .strict), label) { e in
                guard case DICOMError.truncated = e else { return XCTFail("\(label): \(e)") }
            }
            let lenient = try DICOMFile(bytes: b)
            XCTAssertTrue(lenient.isTruncated, label)
            XCTAssertFalse(lenient.warnings.isEmpty, label)
        }
        // Pixel Data longer than the file: the header reads, decoding says how short it is.
        var img = Build.image(rows: 64, columns: 64)
        img.set(.pixelData, .OB, bytes: [UInt8](repeating: 7, count: 64 * 64))
        var px = try Build.file(img)
        px.removeLast(100)
        XCTAssertThrowsError(try DICOMFile(bytes: px).decodeFrame(0)) { e in
            guard case DICOMError.pixelData = e else { return XCTFail("\(e)") }
        }
    }

    func testDeeplyNestedSequencesAreRefused() throws {
        // 100,000 nested undefined-length sequences: a recursive reader without a limit overflows its stack.
        var body: [UInt8] = []
        let sq: [UInt8] = [0x08, 0x00, 0x15, 0x11, 0x53, 0x51, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        let item: [UInt8] = [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
        for _ in 0..<100_000 { body += sq + item }
        var meta = DataSet()
        meta.set(.sopClassUID, .UI, string: "1.2.3")
        meta.set(.sopInstanceUID, .UI, string: "1.2.3.4")
        let bytes = try DICOMWriter.encode(meta) + body
        for options in [ParseOptions(), .strict, ParseOptions(maximumDepth: 8)] {
            XCTAssertThrowsError(try DICOMFile(bytes: bytes, options: options)) { e in
                guard case DICOMError.nestingTooDeep(_, let depth) = e else { return XCTFail("\(e)") }
                XCTAssertEqual(depth, options.maximumDepth)
            }
        }
        // Within the limit, nesting is fine.
        var ok: [UInt8] = []
        for _ in 0..<10 { ok += sq + item }
        for _ in 0..<10 { ok += [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0] }
        let f = try DICOMFile(bytes: DICOMWriter.encode(meta) + ok, options: .strict)
        var depth = 0
        var cur: DataSet? = f.dataSet
        while let c = cur, let next = c.sequence(Tag(0x0008, 0x1115))?.first { depth += 1; cur = next }
        XCTAssertEqual(depth, 10)
    }

    func testOddLengthsAreRead() throws {
        // An odd-length LO (writers that forget padding) followed by another element.
        var meta = DataSet()
        meta.set(.sopClassUID, .UI, string: "1.2.3")
        meta.set(.sopInstanceUID, .UI, string: "1.2.3.4")
        let body: [UInt8] =
            [0x08, 0x00, 0x30, 0x10, 0x4C, 0x4F, 5, 0] + Array("LIVER".utf8)
            + [0x08, 0x00, 0x60, 0x00, 0x43, 0x53, 2, 0] + Array("US".utf8)
        let f = try DICOMFile(bytes: DICOMWriter.encode(meta) + body, options: .strict)
        XCTAssertEqual(f.dataSet.string(.studyDescription), "LIVER")
        XCTAssertEqual(f.dataSet.string(.modality), "US")
    }

    /// Found by fuzz_parser: trimming padding Character by Character from a long value was
    /// quadratic (Substring.dropLast counts the whole string). 200,000 padding bytes must be cheap.
    func testLongPaddedTextValues() throws {
        var ds = DataSet()
        ds.set(Tag(0x0008, 0x0008), .CS, bytes: Array("A\\".utf8) + [UInt8](repeating: 0x20, count: 60_000))
        ds.set(Tag(0x0018, 0x1030), .UT, bytes: Array("x".utf8) + [UInt8](repeating: 0, count: 200_000))
        let f = try DICOMFile(bytes: Build.file(ds))
        XCTAssertEqual(f.dataSet.strings(Tag(0x0008, 0x0008)), ["A", ""])
        XCTAssertEqual(f.dataSet.string(Tag(0x0018, 0x1030)), "x")
        _ = f.dataSet.plainItems()
    }

    func testFragmentsThatDoNotMatchFrames() throws {
        var ds = Build.image(rows: 8, columns: 8, frames: 3)
        let rle = try RLE.encode([UInt8](repeating: 9, count: 64), rows: 8, columns: 8, samplesPerPixel: 1, bitsAllocated: 8)
        ds.set(DICOMWriter.encapsulate([rle, rle]))
        let f = try DICOMFile(bytes: Build.file(ds, transferSyntax: .rleLossless))
        XCTAssertThrowsError(try f.decodeFrame(0)) { e in
            guard case DICOMError.pixelData = e else { return XCTFail("\(e)") }
        }
        // An RLE frame whose header lies about its segments.
        var bad = rle
        bad[0] = 3
        var one = Build.image(rows: 8, columns: 8)
        one.set(DICOMWriter.encapsulate([bad]))
        XCTAssertThrowsError(try DICOMFile(bytes: Build.file(one, transferSyntax: .rleLossless)).decodeFrame(0)) { e in
            guard case DICOMError.pixelData = e else { return XCTFail("\(e)") }
        }
        // Native pixel data in an encapsulated syntax.
        var native = Build.image(rows: 2, columns: 2)
        native.set(.pixelData, .OB, bytes: [1, 2, 3, 4])
        XCTAssertThrowsError(try DICOMFile(bytes: Build.file(native, transferSyntax: .jpegBaseline)).decodeFrame(0))
    }

    func testAbsurdDimensionsDoNotAllocate() throws {
        let before = peakResidentMegabytes()
        let cases: [(rows: Int, columns: Int, frames: Int, samples: Int, bits: Int, ts: TransferSyntax)] = [
            (65535, 65535, 1, 1, 8, .explicitVRLittleEndian),
            (60000, 60000, 1_000_000, 3, 16, .explicitVRLittleEndian),
            (10000, 10000, 1, 1, 8, .rleLossless),
            (20000, 20000, 1, 1, 8, .jpegBaseline),
            (4000, 4000, 50_000, 1, 8, .jpeg2000Lossless),
            (4000, 4000, 2_000_000, 1, 8, .explicitVRLittleEndian)
        ]
        for c in cases {
            var ds = Build.image(rows: c.rows, columns: c.columns, samples: c.samples, bits: c.bits, frames: c.frames)
            if c.ts.isEncapsulated {
                ds.set(DICOMWriter.encapsulate([[UInt8](repeating: 0, count: 100)]))
            } else {
                ds.set(.pixelData, .OB, bytes: [UInt8](repeating: 0, count: 100))
            }
            let label = "\(c)"
            let err = exercise(try Build.file(ds, transferSyntax: c.ts), ParseOptions(), label)
            XCTAssertNotNil(err, label)
        }
        let grown = peakResidentMegabytes() - before
        XCTAssertLessThan(grown, 200, "peak memory grew by \(grown) MB")
    }

    func testGarbageAndMutatedFilesNeverCrash() throws {
        var rng = SplitMix64(seed: 0x5EED)
        for n in [0, 1, 3, 8, 64, 131, 132, 200, 1000, 5000] {
            for _ in 0..<20 {
                var b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if n >= 132 && Bool.random(using: &rng) { b.replaceSubrange(128..<132, with: Array("DICM".utf8)) }
                exercise(b, ParseOptions(), "garbage \(n)")
            }
        }
        for name in [
            "CT_small.dcm", "SC_rgb_rle_2frame.dcm", "examples_palette.dcm", "SC_rgb_jpeg_dcmtk.dcm", "MR_small_jp2klossless.dcm",
            "MR_small_jpeg_ls_lossless.dcm", "image_dfl.dcm", "rtdose.dcm", "liver_1frame.dcm", "SC_ybr_full_422_uncompressed.dcm"
        ] {
            let original = try Fixtures.bytes(name)
            for _ in 0..<30 {
                var b = original
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let i = Int.random(in: 0..<b.count, using: &rng)
                    b[i] = UInt8.random(in: 0...255, using: &rng)
                }
                exercise(b, ParseOptions(), "mutated \(name)")
                exercise(b, .strict, "mutated strict \(name)")
            }
        }
    }
}
