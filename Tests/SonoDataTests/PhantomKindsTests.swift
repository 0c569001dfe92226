import DICOM
import Foundation
import SonoPhantom
import TestSupport
import XCTest

@testable import SonoData

/// The phantom's non-B-mode screens (colour Doppler, Doppler strip, report page) are each
/// recognised by the crawl; and the default cohort's weak labels are what the paper's rules
/// gave before vendor patterns and Transducer Type existed.
final class PhantomKindsTests: XCTestCase {
    static func options(otherKinds: Double?) -> PhantomOptions {
        var options = PhantomOptions()
        options.patients = 6
        options.seed = 5
        options.rows = 96
        options.columns = 128
        options.studiesPerPatient = 1...2
        options.seriesPerStudy = 1...2
        options.imagesPerSeries = 2...3
        options.cineFraction = 0.2
        options.cineFrames = 2...3
        options.otherKindsShare = otherKinds
        options.downstream = nil
        options.threads = 2
        return options
    }

    /// `path → screen` from instances.csv (the phantom's truth).
    static func screens(in folder: URL) throws -> [String: String] {
        let lines = try String(contentsOf: folder.appendingPathComponent("instances.csv"), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false)
        let screenColumn = try XCTUnwrap(header.firstIndex(of: "screen"))
        var result: [String: String] = [:]
        for line in lines.dropFirst() {
            // Paths and screen names hold no commas; descriptions may be quoted, so read from both ends.
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            result[String(fields[0])] = String(fields[fields.count - (header.count - screenColumn)])
        }
        return result
    }

    func testEveryPhantomScreenIsRecognised() throws {
        let input = try TemporaryFolder(), out = try TemporaryFolder()
        let summary = try PhantomGenerator.generate(Self.options(otherKinds: 0.6), into: input.url)
        let screens = try Self.screens(in: input.url)
        for kind in ScreenKind.allCases { XCTAssertGreaterThan(summary.instancesByScreen?[kind.rawValue] ?? 0, 0, kind.rawValue) }
        let manifest = try ManifestDatabase(path: out.file("cohort.sqlite"), createIfMissing: true)
        try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 2)).run(
            root: input.url.appendingPathComponent("dicom").path)
        let expected: [String: ImageKind] = [
            "bmode": .bmode, "colour_flow": .colourFlow, "spectral_doppler": .spectralDoppler,
            "report_page": .secondaryCapture
        ]
        for file in try manifest.files() {
            XCTAssertEqual(file.status, .ok, file.path)
            // Manifest paths are relative to the crawled folder, dicom/.
            let screen = try XCTUnwrap(screens["dicom/" + file.path], file.path)
            XCTAssertEqual(file.imageKind, expected[screen], "\(file.path) (\(screen)): \(file.kindReason ?? "")")
        }
        // The Doppler strip's negative velocity delta is read as a magnitude, with a warning.
        let strip = try XCTUnwrap(try manifest.files().first { $0.imageKind == .spectralDoppler })
        XCTAssertEqual(strip.storedRegions.last?.deltaY, 2.0)
        XCTAssertTrue(strip.warningList.contains("negative physical delta, read as its magnitude"))
    }

    /// The default cohort is B-mode only, writes no trace of the option, and its weak labels
    /// equal those of the mapping as it was (names plus leading-letter rules only).
    func testDefaultCohortUnchangedAndLabelsAsBefore() throws {
        let input = try TemporaryFolder(), out = try TemporaryFolder()
        let summary = try PhantomGenerator.generate(Self.options(otherKinds: nil), into: input.url)
        XCTAssertNil(summary.instancesByScreen)
        let record = try String(contentsOf: input.url.appendingPathComponent("phantom.json"), encoding: .utf8)
        XCTAssertFalse(record.contains("otherKinds") || record.contains("Screen"))
        let header = try String(contentsOf: input.url.appendingPathComponent("instances.csv"), encoding: .utf8).split(separator: "\n")[0]
        XCTAssertFalse(header.contains("screen"))

        let manifest = try ManifestDatabase(path: out.file("cohort.sqlite"), createIfMissing: true)
        try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 2)).run(
            root: input.url.appendingPathComponent("dicom").path)
        let files = try manifest.files(status: .ok)
        XCTAssertEqual(Set(files.map(\.imageKind)), [.bmode])
        let paper = LabelMapping.paperDefault()
        let before = try LabelMapping(
            transducerGroups: ["linear", "curvilinear"],
            transducerNames: ["SC6-1": "curvilinear", "SL10-2": "linear", "SL15-4": "linear"],
            transducerRules: [.init(pattern: "^C", groups: ["curvilinear"]), .init(pattern: "^L", groups: ["linear"])],
            studyGroups: paper.studyGroups, studyDescriptions: paper.studyDescriptions, studyRules: [])
        XCTAssertGreaterThan(files.count, 10)
        for file in files { XCTAssertEqual(paper.labelVector(for: file), before.labelVector(for: file), file.path) }
    }
}
