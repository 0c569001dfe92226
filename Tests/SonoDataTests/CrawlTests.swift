import DICOM
import Foundation
import TestSupport
import XCTest

@testable import SonoData

/// The real crawl (DICOM headers) on files written here byte by byte and on pydicom's fixtures.
final class CrawlTests: XCTestCase {
    /// A folder salted with every kind of bad file: each one is accounted for, with the right
    /// status and reason, and none stops the crawl.
    func testSaltedFolderIsFullyAccountedFor() throws {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        var good = TestDICOMBuilder()
        good.region = (x0: 4, y0: 2, x1: 60, y1: 29)  // x1 outside the 48-pixel width: clamped
        try good.write(to: data.file("good.dcm"))
        var multi = TestDICOMBuilder()
        multi.frames = 3
        multi.sopUID = "1.2.3.4.5"
        try FileManager.default.createDirectory(atPath: data.file("sub/deeper"), withIntermediateDirectories: true)
        try multi.write(to: data.file("sub/deeper/cine.dcm"))
        let bytes = good.bytes()
        // Truncated inside the pixel data (the header alone still parses).
        try Data(bytes.prefix(bytes.count - 100)).write(to: data.url.appendingPathComponent("truncated-pixels.dcm"))
        // Truncated inside the header: in the middle of an element, and between two elements.
        let nameOffset = try XCTUnwrap(Self.offset(of: Array("DOE^JANE".utf8), in: bytes))
        try Data(bytes.prefix(nameOffset + 3)).write(to: data.url.appendingPathComponent("truncated-header.dcm"))
        let studyOffset = try XCTUnwrap(Self.offset(of: [0x20, 0x00, 0x0D, 0x00], in: bytes))
        try Data(bytes.prefix(studyOffset)).write(to: data.url.appendingPathComponent("truncated-boundary.dcm"))
        try Data().write(to: data.url.appendingPathComponent("empty.dcm"))
        try Data("patient list, not DICOM\n".utf8).write(to: data.url.appendingPathComponent("notes.txt"))
        try Data([0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 7, count: 500)).write(to: data.url.appendingPathComponent("photo.jpg"))
        var noPixels = TestDICOMBuilder()
        noPixels.includePixelData = false
        noPixels.isImage = false
        try noPixels.write(to: data.file("sub/report.dcm"))
        var unknownSyntax = TestDICOMBuilder()
        unknownSyntax.transferSyntax = "1.2.3.999"
        try unknownSyntax.write(to: data.file("sub/odd-syntax.dcm"))

        let manifest = try ManifestDatabase(path: out.file("m.sqlite"), createIfMissing: true)
        let counts = try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 2, batchSize: 3)).run(root: data.path)
        XCTAssertEqual(counts.found, 10)
        XCTAssertEqual(counts.added, 10)
        let rows = Dictionary(uniqueKeysWithValues: try manifest.files().map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) })
        XCTAssertEqual(rows.count, 10)
        func expect(_ name: String, _ status: FileStatus, _ reason: String?, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(rows[name]?.status, status, name, file: file, line: line)
            XCTAssertEqual(rows[name]?.reason, reason, name, file: file, line: line)
        }
        expect("good.dcm", .ok, nil)
        expect("cine.dcm", .ok, nil)
        expect("truncated-pixels.dcm", .corrupt, "truncated_pixel_data")
        expect("truncated-header.dcm", .corrupt, "truncated")
        expect("truncated-boundary.dcm", .corrupt, "missing_pixel_data")
        expect("empty.dcm", .notDICOM, "empty_file")
        expect("notes.txt", .notDICOM, "no_dicom_marker")
        expect("photo.jpg", .notDICOM, "no_dicom_marker")
        expect("report.dcm", .unsupported, "no_pixel_data")
        expect("odd-syntax.dcm", .unsupported, "transfer_syntax")

        let row = try XCTUnwrap(rows["good.dcm"])
        XCTAssertEqual(row.rows, 32)
        XCTAssertEqual(row.columns, 48)
        XCTAssertEqual(row.frames, 1)
        XCTAssertEqual(row.transducerData, "SC6-1")
        XCTAssertEqual(row.studyDescription, "US BIOPSY LIVER FOCAL")
        XCTAssertEqual(row.transferSyntax, "1.2.840.10008.1.2.1")
        XCTAssertEqual(row.photometric, "MONOCHROME2")
        XCTAssertEqual(row.cropBox, CropBox(x0: 4, y0: 2, x1: 48, y1: 30))
        XCTAssertEqual(row.storedRegions.first?.clamped, true)
        XCTAssertEqual(row.patientHash, PatientKey.test.hash("PID-0001"))
        let tags = try XCTUnwrap(row.tags.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        XCTAssertEqual(tags["00280010"] as? String, "32")
        XCTAssertEqual(tags["00280011"] as? String, "48")
        XCTAssertEqual(tags["00185010"] as? String, "SC6-1")
        XCTAssertEqual(tags["00080070"] as? String, "ACME")
        XCTAssertNil(tags["00100010"])
        XCTAssertNil(tags["00100020"])
        // The pixel data offset points at the first pixel: check it against the bytes we wrote.
        let offset = try XCTUnwrap(row.pixelDataOffset)
        XCTAssertEqual(Array(bytes[Int(offset)..<Int(offset) + 4]), [0, 3, 6, 9])
        XCTAssertEqual(row.pixelDataLength, 32 * 48)
        let frames = try manifest.pool.read {
            try FrameRecord.filter(sql: "file_id = ?", arguments: [rows["cine.dcm"]?.id]).order(sql: "frame_index").fetchAll($0)
        }
        XCTAssertEqual(frames.map(\.frameIndex), [0, 1, 2])
        XCTAssertEqual(frames.map(\.length), [1536, 1536, 1536])
        XCTAssertEqual(frames[1].offset.map { $0 - (frames[0].offset ?? 0) }, 1536)

        let summary = try manifest.summary()
        XCTAssertEqual(summary.total, 10)
        XCTAssertEqual(summary.byStatus[.ok], 2)
        XCTAssertEqual(summary.byStatus[.corrupt], 3)
        XCTAssertEqual(summary.byStatus[.notDICOM], 3)
        XCTAssertEqual(summary.byStatus[.unsupported], 2)
        XCTAssertEqual(summary.byReason.map(\.count).reduce(0, +), 8)
        XCTAssertEqual(summary.frames, 4)
        XCTAssertEqual(summary.topTransducers.first, .init(value: "SC6-1", count: 2))
    }

    static func offset(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    /// pydicom's own test files: header fields as pydicom read them (expected.json).
    /// Patient hashes are HMAC-SHA256(key, trimmed id), first 16 bytes in hex — values from
    /// Python's hmac module — and the same id always gives the same hash (the keyed state is reused).
    func testPatientHashIsKeyedHMACOfTheTrimmedID() {
        let hasher = try! PatientKey(bytes: Data(0..<32))
        XCTAssertEqual(hasher.hash("PID-0001"), "4c0dacf91d1eedaa55a2bf283a31aa55")
        XCTAssertEqual(hasher.hash("  MRN 77 "), "8dcc88a915b13ef36766051737966c0a")
        XCTAssertEqual(hasher.hash("PID-0001"), "4c0dacf91d1eedaa55a2bf283a31aa55")
        XCTAssertNil(hasher.hash("   "))
        XCTAssertNotEqual(try! PatientKey(bytes: Data(1..<33)).hash("PID-0001"), hasher.hash("PID-0001"))
    }

    func testFixturesMatchPydicomHeaders() throws {
        let corpus = try TestData.dicomCorpus()
        let expected = try corpus.records()
        let out = try TemporaryFolder()
        let manifest = try ManifestDatabase(path: out.file("m.sqlite"), createIfMissing: true)
        try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 2)).run(root: corpus.files.path)
        let rows = Dictionary(uniqueKeysWithValues: try manifest.files().map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) })
        XCTAssertEqual(rows.count, expected.count)
        var compared = 0
        for entry in expected {
            guard let name = entry["file"] as? String, let row = rows[name] else { continue }
            guard let header = entry["header"] as? [String: Any] else { continue }
            guard row.status == .ok || row.status == .unsupported else { continue }
            if let v = header["Rows"] as? Int { XCTAssertEqual(row.rows, v, name) }
            if let v = header["Columns"] as? Int { XCTAssertEqual(row.columns, v, name) }
            if let v = header["Modality"] as? String, !v.isEmpty { XCTAssertEqual(row.modality, v, name) }
            if let v = header["StudyDescription"] as? String, !v.isEmpty { XCTAssertEqual(row.studyDescription, v, name) }
            if let v = header["PhotometricInterpretation"] as? String { XCTAssertEqual(row.photometric, v, name) }
            if let v = header["PatientID"] as? String, !v.isEmpty { XCTAssertEqual(row.patientHash, PatientKey.test.hash(v), name) }
            compared += 1
        }
        XCTAssertGreaterThan(compared, 50)
        XCTAssertEqual(try manifest.summary().total, expected.count)
    }

    /// Item 15: a file pydicom reads (a region item closed by a Sequence Delimitation Item) is
    /// indexed as `ok`, its region used, and the warning recorded in the manifest.
    func testLenientlyReadFileIsIndexedWithAWarning() throws {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        var builder = TestDICOMBuilder()
        builder.region = (x0: 2, y0: 1, x1: 45, y1: 30)
        builder.regionItemClosedBySequenceDelimiter = true
        try builder.write(to: data.file("odd.dcm"))
        let manifest = try ManifestDatabase(path: out.file("m.sqlite"), createIfMissing: true)
        try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 1)).run(root: data.path)
        let row = try XCTUnwrap(try manifest.files().first)
        XCTAssertEqual(row.status, .ok, "\(row.reason ?? "") \(row.detail ?? "")")
        XCTAssertEqual(row.cropBox, CropBox(x0: 2, y0: 1, x1: 46, y1: 31))
        XCTAssertTrue(row.warningList.contains { $0.contains("closes an item") }, "\(row.warningList)")
        XCTAssertEqual(try manifest.summary().warnings, 1)
    }
}

final class HeaderTextTests: XCTestCase {
    /// The crawl's fast text path gives exactly what the DICOM module's decoder gives, on every
    /// text element of pydicom's fixtures.
    func testFastPathMatchesTheDICOMModule() throws {
        let corpus = try TestData.dicomCorpus()
        var compared = 0
        for name in try corpus.names() {
            guard let file = try? DICOMFile(path: corpus.file(name).path, mode: .headerOnly) else { continue }
            for element in file.dataSet.elements {
                guard let expected = file.dataSet.strings(element.tag), element.vr != .UN else { continue }
                XCTAssertEqual(HeaderText.strings(file.dataSet, element.tag), expected, "\(name) \(element.tag)")
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 1000)
    }
}
