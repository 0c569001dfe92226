import DICOM
import Foundation
import SonoPhantom
import TestSupport
import XCTest

@testable import SonoData

/// The whole pipeline on a synthetic cohort from the phantom generator (JPEG baseline, RLE,
/// native RGB and monochrome files, single images and cines): every file indexed ok, every
/// image decoded into the cache, no patient in two splits, no identifier in any output.
final class PhantomCohortTests: XCTestCase {
    func testPhantomCohortEndToEnd() throws {
        let input = try TemporaryFolder(), out = try TemporaryFolder()
        var options = PhantomOptions()
        options.patients = 8
        options.rows = 96
        options.columns = 128
        options.studiesPerPatient = 1...2
        options.seriesPerStudy = 1...1
        options.imagesPerSeries = 1...2
        options.cineFraction = 0.3
        options.cineFrames = 2...3
        options.downstream = nil
        options.threads = 2
        _ = try PhantomGenerator.generate(options, into: input.url)

        // What identifies the patients, read from the files themselves.
        var needles = Set<String>()
        var dicomFiles = 0
        for file in try CommandLineTests.allFiles(under: input.url) where file.pathExtension.lowercased() == "dcm" {
            let dicom = try DICOMFile(path: file.path, mode: .headerOnly)
            dicomFiles += 1
            for tag in [Tag(0x0010, 0x0010), Tag(0x0010, 0x0020), Tag(0x0008, 0x0050)] {
                for value in dicom.dataSet.strings(tag) ?? [] where value.count >= 4 {
                    needles.insert(value)
                    needles.formUnion(value.split(separator: "^").map(String.init).filter { $0.count >= 4 })
                }
            }
        }
        XCTAssertGreaterThan(dicomFiles, 8)
        XCTAssertFalse(needles.isEmpty)

        let manifest = try ManifestDatabase(path: out.file("cohort.sqlite"), createIfMissing: true)
        try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 2)).run(root: input.path)
        XCTAssertEqual(try manifest.fileCount(status: .ok), dicomFiles)
        let report = try manifest.applyLabels(.paperDefault())
        XCTAssertEqual(report.labelledFiles, dicomFiles)
        // The phantom draws descriptions from Table A1 (a few deliberately wrong or missing).
        XCTAssertGreaterThan(report.groupCounts[2...].reduce(0, +), 0)
        try manifest.assignSplit(try SplitSettings(valShare: 0.25, seed: 2))
        let keys = try manifest.patientKeysBySplit()
        XCTAssertTrue((keys[.train] ?? []).isDisjoint(with: keys[.val] ?? []))
        XCTAssertEqual((keys[.train]?.count ?? 0) + (keys[.val]?.count ?? 0), 8)

        let settings = try PreprocessSettings(height: 64, width: 96)
        let train = try CohortDataset(manifest: manifest, split: .train, settings: settings)
        let val = try CohortDataset(manifest: manifest, split: .val, settings: settings)
        XCTAssertTrue(train.failedFiles.isEmpty, "\(train.failedFiles)")
        XCTAssertTrue(val.failedFiles.isEmpty, "\(val.failedFiles)")
        let frames = try manifest.files(status: .ok).map { $0.frames ?? 1 }.reduce(0, +)
        XCTAssertEqual(train.count + val.count, frames)
        XCTAssertTrue(Set(train.samples.map(\.fileId)).isDisjoint(with: val.samples.map(\.fileId)))
        // Real ultrasound content: not constant images.
        XCTAssertGreaterThan(train.samples.map(\.entry.std).min() ?? 0, 1)

        for file in try CommandLineTests.allFiles(under: out.url) {
            let bytes = try Data(contentsOf: file)
            for needle in needles {
                XCTAssertNil(bytes.range(of: Data(needle.utf8)), "an identifier found in \(file.lastPathComponent)")
            }
        }
    }
}
