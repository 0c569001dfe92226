import Foundation
import SonoData
import SonoEval
import TestSupport
import XCTest

@testable import SonoTrain

/// The report's opening "What was run": build, machine, data per split and label group, tasks,
/// settings and times, read from the run folder; an unreadable part is said, never fatal.
final class ExperimentProvenanceTests: XCTestCase {
    func testWhatWasRunCountsTheManifestPerSplitAndLabelGroup() throws {
        let root = try temporaryFolder("provenance")
        let db = try PretrainPhantomTests.makeCohort(in: root)
        let manifest = try ManifestDatabase(path: db)
        try manifest.applyLabels(.paperDefault())
        let labels = try manifest.weakLabels()
        let summary = try manifest.splitSummary()

        let folder = root.appendingPathComponent("exp")
        let recorder = try RunRecord.begin(
            in: folder, version: "9.8.7", commit: "abc123def456", device: "cpu", threads: 2,
            data: try .ofManifest(at: db), commandLine: ["sonotag-train", "experiment", "table2", "--db", db])
        _ = recorder
        try Data("size: 32x64\nseeds: 3\n".utf8).write(to: folder.appendingPathComponent(ExperimentFile.fileName(lowData: false)))

        var report = HTMLReport(title: "t", subtitle: "s")
        let task = ExperimentTaskSpec(name: "shapes", path: "/data/shapes", kind: .segmentation)
        ExperimentProvenance.add(to: &report, folder: folder, tasks: [task], rows: [], layout: ExperimentLayout(root: folder))
        let html = report.html()

        XCTAssertTrue(html.contains("What was run"))
        XCTAssertTrue(html.contains("9.8.7") && html.contains("abc123def456"), "the build is named")
        XCTAssertTrue(html.contains("seeds: 3"), "the recorded settings are shown")
        XCTAssertTrue(html.contains("/data/shapes") && html.contains(">segmentation<"))
        XCTAssertTrue(html.contains("experiment table2"), "the session's command")
        // Expected counts computed here from the manifest, independently of the report's loop.
        for split in [SplitName.train, .val] {
            let files = try manifest.files(in: split)
            XCTAssertEqual(files.count, summary.images[split])
            let expected = labels.groupNames.indices.map { g in files.filter { (labels.vectors[$0.id!]?[g] ?? 0) > 0 }.count }
            let cells = ([split.rawValue, String(summary.patients[split]!), String(files.count)] + expected.map(String.init))
                .map { "<td>\($0)</td>" }.joined()
            XCTAssertTrue(html.replacingOccurrences(of: "\n", with: "").contains(cells), "row \(cells) in \(html)")
        }
    }

    func testAMissingManifestIsSaidAndTheSectionStillWritten() throws {
        let folder = try temporaryFolder("provenance-missing")
        _ = try RunRecord.begin(
            in: folder, version: "1", commit: "c", device: "cpu", threads: 1,
            data: RunRecord.DataIdentity(manifest: folder.appendingPathComponent("gone.sqlite").path))
        var report = HTMLReport(title: "t", subtitle: "s")
        ExperimentProvenance.add(to: &report, folder: folder, tasks: [], rows: [], layout: ExperimentLayout(root: folder))
        let html = report.html()
        XCTAssertTrue(html.contains("gone.sqlite") && html.contains("could not be read"), html)
        XCTAssertTrue(html.contains("running at report time"), "an unfinished session says so")
    }
}
