import Foundation
import SonoSupport
import TestSupport
import XCTest

final class AtomicFileTests: XCTestCase {
    func testWriteReplacesTheFileAndLeavesNoTemporary() throws {
        let folder = try temporaryFolder("atomic")
        let url = folder.appendingPathComponent("sub/run.json")
        try AtomicFile.write("first", to: url, creatingFolder: true)
        try AtomicFile.write("second", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["run.json"])
    }

    /// Per-epoch checkpoints skip the flush but are still whole files put in place by rename.
    func testANonDurableWriteIsStillAtomicAndCanBeFlushedLater() throws {
        let folder = try temporaryFolder("atomic-nondurable")
        let url = folder.appendingPathComponent("last.safetensors")
        let bytes = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try AtomicFile.write(bytes, to: url, durable: false)
        try AtomicFile.write(Data(bytes.reversed()), to: url, durable: false)
        XCTAssertEqual(try Data(contentsOf: url), Data(bytes.reversed()))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["last.safetensors"])
        XCTAssertNoThrow(try AtomicFile.synchronize(url))
        XCTAssertNoThrow(try AtomicFile.synchronize(folder.appendingPathComponent("absent")), "nothing to flush is not an error")
    }

    func testAMissingFolderIsAnErrorNamingTheFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/x.csv")
        XCTAssertThrowsError(try AtomicFile.write("x", to: url)) { error in
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
        }
    }
}

final class TextEscapingTests: XCTestCase {
    func testJSONStringEscapesQuotesBackslashesAndControls() {
        XCTAssertEqual(TextEscaping.jsonString("plain"), "\"plain\"")
        XCTAssertEqual(TextEscaping.jsonString("a\"b\\c\nd\re\tf\u{01}g é"), "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g é\"")
        // Whatever it writes, JSONSerialization must read back the original text.
        let text = "x\u{1F}\"\\ü\n"
        let data = Data("[\(TextEscaping.jsonString(text))]".utf8)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: data) as? [String], [text])
    }

    func testHTMLEscapesTheFiveSpecialCharacters() {
        XCTAssertEqual(
            TextEscaping.html("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        XCTAssertEqual(TextEscaping.html("CE+DCM ± 0.01"), "CE+DCM ± 0.01")
    }
}

final class CSVTableTests: XCTestCase {
    func testParseSkipsAByteOrderMarkAndBlankLines() throws {
        let table = try CSVTable.parse("\u{FEFF}image,label\r\na.png,1\n\nb.png,\"2,3\"\n")
        XCTAssertEqual(table.header, ["image", "label"])
        XCTAssertEqual(table.rows, [["a.png", "1"], ["b.png", "2,3"]])
    }

    func testShortRowsArePaddedToTheHeader() throws {
        let table = try CSVTable.parse("a,b,c\n1\n1,2,3\n")
        XCTAssertEqual(table.paddedRows(), [["1", "", ""], ["1", "2", "3"]])
    }

    func testAnUnterminatedQuoteIsAnErrorNamingTheSource() {
        XCTAssertThrowsError(try CSVTable.parse("a,b\n\"open,1\n", source: "labels.csv")) { error in
            XCTAssertEqual((error as? CSVError)?.source, "labels.csv")
        }
    }

    func testWriteThenReadRoundTrips() throws {
        let folder = try temporaryFolder("csv")
        let path = folder.appendingPathComponent("deep/t.csv").path
        let table = CSVTable(header: ["id", "note"], rows: [["1", "say \"hi\", twice"], ["2", "line\nbreak"]])
        try table.write(to: path)
        XCTAssertEqual(try CSVTable.read(path: path), table)
    }
}

final class ProgressOutputTests: XCTestCase {
    func testDurations() {
        XCTAssertEqual(ProgressOutput.duration(12.34), "12.3s")
        XCTAssertEqual(ProgressOutput.duration(245), "4m05s")
        XCTAssertEqual(ProgressOutput.duration(7620), "2h07m")
    }
}

final class ProgressHeartbeatTests: XCTestCase {
    /// Item 11: a line only after `interval` seconds of silence, repeating where the work was.
    func testALineComesOnlyAfterTheIntervalOfSilence() {
        var now = Date(timeIntervalSince1970: 0)
        var lines: [String] = []
        let heartbeat = ProgressHeartbeat(label: "finetune", interval: 30, clock: { now }, output: { lines.append($0) })
        now += 29
        heartbeat.tick()
        XCTAssertEqual(lines, [])
        now += 1
        heartbeat.tick()
        heartbeat.tick()
        XCTAssertEqual(lines, ["finetune: still working, 30.0s in"])
        now += 10
        heartbeat.printed(status: "epoch 1/3 step 4/40 loss 0.5")
        now += 29
        heartbeat.tick()
        XCTAssertEqual(lines.count, 1, "printed output resets the silence")
        now += 1
        heartbeat.tick()
        XCTAssertEqual(lines.last, "finetune: still working, 1m10s in; last: epoch 1/3 step 4/40 loss 0.5")
    }

    func testIntervalOverrideForTests() {
        XCTAssertEqual(ProgressOutput.heartbeatInterval(environment: [:]), 30)
        XCTAssertEqual(ProgressOutput.heartbeatInterval(environment: ["SONOTAG_PROGRESS_INTERVAL": "0.25"]), 0.25)
        for unusable in ["0", "-1", "soon", "inf"] {
            XCTAssertEqual(ProgressOutput.heartbeatInterval(environment: ["SONOTAG_PROGRESS_INTERVAL": unusable]), 30, unusable)
        }
    }

    /// The timer really ticks: with a short interval a silent stretch gets its line.
    func testTheTimerWritesWhileNothingIsPrinted() {
        let written = expectation(description: "heartbeat line")
        written.assertForOverFulfill = false
        let heartbeat = ProgressHeartbeat(label: "index", interval: 0.05, output: { _ in written.fulfill() })
        heartbeat.start()
        wait(for: [written], timeout: 5)
        heartbeat.stop()
    }
}
