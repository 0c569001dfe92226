import SonoSupport
import XCTest

@testable import SonoData

final class ProgressAndSnifferTests: XCTestCase {
    func testPlainProgressLinesCarryRateAndETA() {
        var lines: [String] = []
        let printer = ProgressPrinter(interactive: false, interval: 0) { lines.append($0) }
        printer.report(CrawlProgress(total: 1000, done: 250, unchanged: 50, elapsed: 5))
        printer.report(CrawlProgress(total: 1000, done: 1000, unchanged: 50, elapsed: 20))
        XCTAssertEqual(
            lines,
            [
                "index: 250/1000 files (50 unchanged), 50 files/s, ETA 15.0s\n",
                "index: 1000/1000 files (50 unchanged), 50 files/s, 20.0s\n"
            ])
        var bar = ""
        ProgressPrinter(interactive: true) { bar += $0 }.report(CrawlProgress(total: 10, done: 5, unchanged: 0, elapsed: 1))
        XCTAssertTrue(bar.hasPrefix("\r[") && bar.contains("5/10 files"), bar)
        XCTAssertEqual(ProgressOutput.duration(3725), "1h02m")
    }

    func testSnifferAcceptsDICOMShapesAndRejectsOthers() {
        var part10 = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        part10 += [2, 0, 0, 0]
        XCTAssertEqual(DICOMSniffer.classify(part10, fileSize: 1000), .part10)
        // Implicit VR little endian, no preamble: (0008,0005) length 10.
        XCTAssertEqual(DICOMSniffer.classify([8, 0, 5, 0, 10, 0, 0, 0], fileSize: 1000), .rawDataSet)
        // Explicit VR: (0008,0016) UI.
        XCTAssertEqual(DICOMSniffer.classify([8, 0, 0x16, 0, 0x55, 0x49, 4, 0], fileSize: 1000), .rawDataSet)
        // Explicit VR big endian: (0008,0016) UI.
        XCTAssertEqual(DICOMSniffer.classify([0, 8, 0, 0x16, 0x55, 0x49, 0, 4], fileSize: 1000), .rawDataSet)
        XCTAssertEqual(DICOMSniffer.classify(Array("%PDF-1.7\n".utf8), fileSize: 1000), .notDICOM)
        XCTAssertEqual(DICOMSniffer.classify([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46], fileSize: 1000), .notDICOM)
        // Implicit length longer than the file: not a data set.
        XCTAssertEqual(DICOMSniffer.classify([8, 0, 5, 0, 0, 0, 1, 0], fileSize: 1000), .notDICOM)
        XCTAssertEqual(DICOMSniffer.classify([8, 0], fileSize: 2), .notDICOM)
    }
}

final class JSONTextTests: XCTestCase {
    /// The hand-written JSON must parse back (with Foundation's parser) to what was written.
    func testJSONTextRoundTrips() throws {
        let tricky = "a\"b\\c\nd\u{1}é😀"
        let parsed = try JSONSerialization.jsonObject(with: Data(("[" + TextEscaping.jsonString(tricky) + "]").utf8)) as? [String]
        XCTAssertEqual(parsed, [tricky])
        let regions = [StoredRegion(x0: 1, y0: 2, x1: 3, y1: 4, spatialFormat: 1, dataType: nil, deltaX: 0.25, clamped: true)]
        let decoded = try JSONDecoder().decode([StoredRegion].self, from: Data(JSONText.regions(regions).utf8))
        XCTAssertEqual(decoded, regions)
    }
}
