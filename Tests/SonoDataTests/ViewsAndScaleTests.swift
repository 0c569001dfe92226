import DICOM
import Foundation
import Imaging
import TestSupport
import XCTest

@testable import SonoData

/// `splitViews` (one sample per 2D tissue region) and `millimetresPerPixel` (a common physical
/// scale from the regions' Physical Delta X/Y), on files written with SonoTag's own DICOM writer,
/// crawled, and cached through the real decoder.
final class ViewsAndScaleTests: XCTestCase {
    /// A checkerboard of 1.6 mm squares seen at `mmPerPixel`: every spacing shows the same
    /// physical pattern, so at a common scale the samples must agree.
    static func checkerboard(columns: Int, rows: Int, mmPerPixel: Double, frames: Int = 1, deltaSign: Double = 1, units: Int = 3)
        -> UltrasoundImage
    {
        let square = Int((1.6 / mmPerPixel).rounded())
        let frame: [UInt8] = (0..<(rows * columns)).map { i in ((i % columns) / square + (i / columns) / square) % 2 == 0 ? 60 : 180 }
        var image = UltrasoundImage(rows: rows, columns: columns, samplesPerPixel: 1, frames: Array(repeating: frame, count: frames))
        image.patientID = "SCALE"
        image.transducerData = ["L12_5"]
        image.studyDescription = "US THYROID"
        image.regions = [
            UltrasoundRegion(
                minX0: 0, minY0: 0, maxX1: columns - 1, maxY1: rows - 1, spatialFormat: 1, dataType: 1,
                physicalUnitsX: units, physicalUnitsY: units,
                physicalDeltaX: deltaSign * mmPerPixel / 10, physicalDeltaY: mmPerPixel / 10)
        ]
        return image
    }

    /// Writes, crawls and caches `images`; returns the dataset and each file id's path.
    private func dataset(_ images: [String: UltrasoundImage], settings: PreprocessSettings) throws -> (CohortDataset, [Int64: String]) {
        let data = try temporaryFolder("views-data"), out = try temporaryFolder("views-out")
        for (name, image) in images { try image.write(to: data.appendingPathComponent(name)) }
        let manifest = try ManifestDatabase(path: out.appendingPathComponent("m.sqlite").path, createIfMissing: true)
        try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 1)).run(root: data.path)
        var names: [Int64: String] = [:]
        for file in try manifest.files() { names[file.id ?? -1] = file.path }
        let dataset = try CohortDataset(
            manifest: manifest, split: nil, settings: settings, kinds: nil,
            cacheRoot: out.appendingPathComponent("cache"), threads: 1)
        return (dataset, names)
    }

    private func stored(_ dataset: CohortDataset, _ sample: CohortDataset.Sample) -> [Float] {
        var values = [Float](repeating: 0, count: dataset.settings.pixelsPerSample)
        values.withUnsafeMutableBufferPointer { dataset.cache.readPixels(sample.entry, into: $0.baseAddress!) }
        return values
    }

    func testTwoSpacingsMeetAtACommonScaleAndMissingSpacingIsCounted() throws {
        // 0.1 mm and 0.2 mm pixels over the same 12.8 × 9.6 mm field; the coarse one written with
        // a negative Physical Delta X, which counts as its magnitude.
        let images = [
            "fine.dcm": Self.checkerboard(columns: 128, rows: 96, mmPerPixel: 0.1),
            "coarse.dcm": Self.checkerboard(columns: 64, rows: 48, mmPerPixel: 0.2, deltaSign: -1),
            "unitless.dcm": Self.checkerboard(columns: 64, rows: 48, mmPerPixel: 0.2, units: 0)
        ]
        let settings = try PreprocessSettings(height: 30, width: 40, millimetresPerPixel: 0.4)
        let (scaled, names) = try dataset(images, settings: settings)
        XCTAssertEqual(scaled.count, 3)
        XCTAssertEqual(scaled.unscaledFiles, 1)
        XCTAssertEqual(
            scaled.scaleSummary, "physical scale 0.4 mm per pixel; warning: 1 image without a Physical Delta X/Y in cm, resized plainly")
        var byName: [String: [Float]] = [:]
        for sample in scaled.samples { byName[names[sample.fileId] ?? ""] = stored(scaled, sample) }
        let fine = try XCTUnwrap(byName["fine.dcm"]), coarse = try XCTUnwrap(byName["coarse.dcm"])
        // 12.8 × 9.6 mm at 0.4 mm is 32 × 24 pixels, centred in 40 × 30: 4 columns and 3 rows of black each side.
        XCTAssertEqual(fine, coarse, "both spacings must give the same physical picture")
        for y in 0..<30 {
            for x in 0..<40 {
                let inside = (4..<36).contains(x) && (3..<27).contains(y)
                let want: Float = inside ? ((((x - 4) / 4) + ((y - 3) / 4)) % 2 == 0 ? 60 : 180) : 0
                XCTAssertEqual(fine[y * 40 + x], want, "(\(x), \(y))")
            }
        }
        // Without a spacing in cm the image is stretched to the output, as without the option.
        let (plain, plainNames) = try dataset(
            ["unitless.dcm": images["unitless.dcm"]!], settings: try PreprocessSettings(height: 30, width: 40))
        XCTAssertEqual(plain.unscaledFiles, 0)
        XCTAssertNil(plain.scaleSummary)
        XCTAssertEqual(plainNames.count, 1)
        XCTAssertEqual(byName["unitless.dcm"], stored(plain, plain.samples[0]))
        XCTAssertNotEqual(settings.cacheKey, try PreprocessSettings(height: 30, width: 40).cacheKey)
    }

    func testSplitViewsGiveOneSamplePerTissueRegion() throws {
        var dual = ImageKindTests.image(regions: [ImageKindTests.tissue(0, 4, 62, 91), ImageKindTests.tissue(65, 4, 127, 91)])
        dual.frames = [dual.frames[0], dual.frames[0].map { 255 - $0 }]
        let single = ImageKindTests.image(regions: [ImageKindTests.tissue(8, 4, 119, 91)])
        let images = ["dual.dcm": dual, "single.dcm": single]

        let split = try PreprocessSettings(height: 16, width: 16, splitViews: true)
        let (views, names) = try dataset(images, settings: split)
        // Two frames × two views, and one sample of the single-region image.
        XCTAssertEqual(views.count, 5)
        let dualSamples = views.samples.filter { names[$0.fileId] == "dual.dcm" }
        XCTAssertEqual(dualSamples.map { [$0.frame, $0.view] }, [[0, 0], [0, 1], [1, 0], [1, 1]])
        XCTAssertEqual(views.samples.filter { names[$0.fileId] == "single.dcm" }.map(\.view), [0])

        // Each view is that region's crop, as the preprocessor makes it from the decoded frame.
        let preprocessor = FramePreprocessor(settings: split)
        let frame = try GrayImage(width: 128, height: 96, pixels: dual.frames[0].map(Float.init))
        for (view, box) in [CropBox(x0: 0, y0: 4, x1: 63, y1: 92), CropBox(x0: 65, y0: 4, x1: 128, y1: 92)].enumerated() {
            let expected = try preprocessor.process(frame, box: box)
            // Within rounding: the decoder's gray passes through 0…1 and back.
            let worst = zip(stored(views, dualSamples[view]), expected).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(worst, 1, "view \(view)")
        }
        XCTAssertNotEqual(stored(views, dualSamples[0]), stored(views, dualSamples[1]))

        // Reopened, the split cache is read back (view numbers included) without new samples.
        let again = try CohortDataset(
            manifest: views.manifest, split: nil, settings: split, kinds: nil,
            cacheRoot: views.cache.directory.deletingLastPathComponent(), threads: 1
        ) { progress in
            XCTAssertEqual(progress.samplesWritten, 0)
        }
        XCTAssertEqual(again.samples, views.samples)

        // Without the option the dual view is one sample per frame: its largest region.
        let (whole, _) = try dataset(images, settings: try PreprocessSettings(height: 16, width: 16))
        XCTAssertEqual(whole.count, 3)
        XCTAssertTrue(whole.samples.allSatisfy { $0.view == 0 })
    }

    /// `sonotag cache` takes both options, prints how many images missed the physical scale,
    /// and refuses a spacing that is not a positive length (exit 64, naming the flag).
    func testCacheCommandOptions() throws {
        let binary = try BuiltProducts.executable("sonotag")
        let data = try temporaryFolder("views-cli-data"), out = try temporaryFolder("views-cli-out")
        try Self.checkerboard(columns: 64, rows: 48, mmPerPixel: 0.2).write(to: data.appendingPathComponent("cm.dcm"))
        try Self.checkerboard(columns: 64, rows: 48, mmPerPixel: 0.2, units: 0).write(to: data.appendingPathComponent("unitless.dcm"))
        let db = out.appendingPathComponent("m.sqlite").path
        let key = out.appendingPathComponent("id.key").path
        func run(_ arguments: [String]) throws -> ProcessOutput { try ProcessRunner.run(binary, arguments) }
        XCTAssertEqual(try run(["index", data.path, "--db", db, "--key", key]).status, 0)
        let cached = try run(["cache", "--db", db, "--split", "all", "--size", "24x32", "--mm-per-pixel", "0.4", "--split-views"])
        XCTAssertEqual(cached.status, 0, cached.combined)
        XCTAssertTrue(
            cached.standardOutput.contains(
                "physical scale 0.4 mm per pixel; warning: 1 image without a Physical Delta X/Y in cm, resized plainly"),
            cached.combined)
        for bad in ["0", "-0.5", "1000"] {
            let refused = try run(["cache", "--db", db, "--split", "all", "--mm-per-pixel", bad])
            XCTAssertEqual(refused.status, 64, "\(bad): \(refused.combined)")
            XCTAssertTrue(refused.combined.contains("--mm-per-pixel"), refused.combined)
        }
    }
}
