import Foundation
import TestSupport
import XCTest

/// `sonotag dicom bench`, which Benchmarks/bench_dicom.sh reads: what it counts and reports.
final class DICOMBenchCommandTests: XCTestCase {
    private func json(_ output: String) throws -> [String: Any] {
        let line = try XCTUnwrap(output.split(separator: "\n").last, output)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], output)
    }

    /// Every pass sees every file; an unreadable one is counted, not fatal; the rate is a pass's.
    func testHeaderScanCountsEveryFileOfEachPass() throws {
        let corpus = try TestData.dicomCorpus()
        let folder = try TemporaryFolder()
        for name in ["CT_small.dcm", "examples_rgb_color.dcm"] {
            try FileManager.default.copyItem(atPath: corpus.file(name).path, toPath: folder.file(name))
        }
        try Data("not a DICOM file".utf8).write(to: URL(fileURLWithPath: folder.file("notes.dcm")))
        let result = try runSonotag(["dicom", "bench", "header", folder.path, "--repeat", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try json(result.stdout)
        XCTAssertEqual(report["files"] as? Int, 3)
        XCTAssertEqual(report["read"] as? Int, 2)
        XCTAssertEqual(report["failed"] as? Int, 1)
        XCTAssertEqual(report["passes"] as? Int, 3)
        let seconds = try XCTUnwrap(report["seconds"] as? Double), rate = try XCTUnwrap(report["per_second"] as? Double)
        XCTAssertEqual(rate * seconds, 3, accuracy: 1e-6, "files per second of one pass")
        XCTAssertGreaterThan(try XCTUnwrap(report["peak_rss_mb"] as? Double), 1)
    }

    /// Decoding counts the frames of the timed passes only (the warm-up is not counted).
    func testDecodeCountsTheFramesOfTheTimedPasses() throws {
        let corpus = try TestData.dicomCorpus()
        let result = try runSonotag([
            "dicom", "bench", "decode", corpus.file("examples_ybr_color.dcm").path, "--repeat", "2", "--size", "16x24"
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try json(result.stdout)
        XCTAssertEqual(report["frames"] as? Int, 2 * 30, "30 frames, 2 passes")
        XCTAssertTrue(try XCTUnwrap(report["checksum"] as? Double).isFinite)
        XCTAssertGreaterThan(try XCTUnwrap(report["peak_rss_mb"] as? Double), 1)
    }
}
