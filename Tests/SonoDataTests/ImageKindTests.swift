import DICOM
import Foundation
import GRDB
import TestSupport
import XCTest

@testable import SonoData

/// Every image kind, written with SonoTag's own DICOM writer the way scanners lay them out
/// (region attributes per PS3.3 C.8.5.5), crawled and classified; and regions as they come.
final class ImageKindTests: XCTestCase {
    static let rows = 96, columns = 128

    /// Grey speckle-like texture, deterministic.
    static func speckle(_ x: Int, _ y: Int) -> UInt8 { UInt8(40 + ((x &* 73 &+ y &* 151 &+ (x * y) % 17) % 150)) }

    static func image(rgb: Bool = false, regions: [UltrasoundRegion], pixel: ((Int, Int) -> (UInt8, UInt8, UInt8))? = nil)
        -> UltrasoundImage
    {
        let spp = rgb ? 3 : 1
        var frame: [UInt8] = []
        frame.reserveCapacity(rows * columns * spp)
        for y in 0..<rows {
            for x in 0..<columns {
                let grey = speckle(x, y)
                let (r, g, b) = pixel?(x, y) ?? (grey, grey, grey)
                if rgb { frame += [r, g, b] } else { frame.append(r) }
            }
        }
        var image = UltrasoundImage(rows: rows, columns: columns, samplesPerPixel: spp, frames: [frame])
        image.patientID = "KIND-TEST"
        image.transducerData = ["C5-1"]
        image.studyDescription = "US KIDNEY"
        image.regions = regions
        return image
    }

    /// Image Type without the mode bit map (value 4): the header does not say, the pixels must.
    static func silent(_ image: UltrasoundImage) -> UltrasoundImage {
        var image = image
        image.extraElements.append(DataElement(tag: Tag(0x0008, 0x0008), vr: .CS, value: .bytes(Array("ORIGINAL\\PRIMARY ".utf8))))
        return image
    }

    static func tissue(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, dataType: Int = 1, format: Int = 1) -> UltrasoundRegion {
        UltrasoundRegion(
            minX0: x0, minY0: y0, maxX1: x1, maxY1: y1, spatialFormat: format, dataType: dataType,
            physicalUnitsX: 3, physicalUnitsY: 3, physicalDeltaX: 0.02, physicalDeltaY: 0.02)
    }

    /// Writes each image, crawls the folder and returns the manifest rows by file name.
    private func crawl(_ images: [String: (UltrasoundImage, PixelEncoding)]) throws -> [String: FileRecord] {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        for (name, (image, encoding)) in images { try image.write(to: data.url.appendingPathComponent(name), encoding: encoding) }
        let manifest = try ManifestDatabase(path: out.file("m.sqlite"), createIfMissing: true)
        try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 2, batchSize: 4)).run(root: data.path)
        var byName: [String: FileRecord] = [:]
        for file in try manifest.files() { byName[URL(fileURLWithPath: file.path).lastPathComponent] = file }
        return byName
    }

    func testEveryKindIsRecognised() throws {
        var images: [String: (UltrasoundImage, PixelEncoding)] = [:]
        let full = Self.tissue(8, 4, 119, 91)
        images["bmode.dcm"] = (Self.image(regions: [full]), .native)
        images["bmode-rgb-jpeg.dcm"] = (Self.silent(Self.image(rgb: true, regions: [full])), .jpegBaseline(quality: 90))
        images["bmode-no-regions.dcm"] = (Self.silent(Self.image(regions: [])), .native)
        images["bmode-stated.dcm"] = (Self.image(rgb: true, regions: []), .rle)
        // A colour-flow box the header declares (data type 2 inside the tissue region)…
        images["colour-region.dcm"] = (Self.image(rgb: true, regions: [full, Self.tissue(40, 20, 80, 60, dataType: 2)]), .native)
        // …and one it does not: red and blue flow inside the tissue region, through lossy JPEG.
        let flow: (Int, Int) -> (UInt8, UInt8, UInt8) = { x, y in
            let grey = Self.speckle(x, y)
            guard (40..<80).contains(x), (20..<60).contains(y) else { return (grey, grey, grey) }
            return (x + y) % 3 == 0 ? (30, 40, 220) : (210, 30, 20)
        }
        images["colour-pixels.dcm"] = (Self.silent(Self.image(rgb: true, regions: [full], pixel: flow)), .jpegBaseline(quality: 85))
        // B-mode above a PW Doppler strip (time in s across, velocity in cm/s down).
        var strip = Self.tissue(0, 60, 127, 95, dataType: 3, format: 3)
        strip.physicalUnitsX = 4
        strip.physicalUnitsY = 7
        images["doppler.dcm"] = (Self.image(regions: [Self.tissue(8, 0, 119, 57), strip]), .native)
        images["m-mode.dcm"] = (Self.image(regions: [Self.tissue(8, 0, 119, 47), Self.tissue(0, 50, 127, 95, format: 2)]), .native)
        images["dual-view.dcm"] = (Self.image(regions: [Self.tissue(0, 4, 62, 91), Self.tissue(65, 4, 127, 91)]), .native)
        var capture = Self.image(regions: [])
        capture.extraElements = [DataElement(tag: .sopClassUID, vr: .UI, value: .bytes(Array("1.2.840.10008.5.1.4.1.1.7\0".utf8)))]
        images["secondary-capture.dcm"] = (capture, .native)
        // A report page in a US object: black, a few lines of white "text", no regions.
        let page: (Int, Int) -> (UInt8, UInt8, UInt8) = { x, y in
            let text: UInt8 = y % 12 < 2 && x % 5 < 3 && x < 100 ? 255 : 4
            return (text, text, text)
        }
        images["report-page.dcm"] = (Self.silent(Self.image(rgb: true, regions: [], pixel: page)), .rle)
        var derived = Self.image(regions: [])
        derived.extraElements = [DataElement(tag: Tag(0x0008, 0x0008), vr: .CS, value: .bytes(Array("DERIVED\\SECONDARY ".utf8)))]
        images["derived.dcm"] = (derived, .native)
        var colourBitmap = Self.image(regions: [])
        colourBitmap.extraElements = [
            DataElement(tag: Tag(0x0008, 0x0008), vr: .CS, value: .bytes(Array("ORIGINAL\\PRIMARY\\\\0011".utf8)))
        ]
        images["colour-bitmap.dcm"] = (colourBitmap, .native)
        var other = Self.image(regions: [full])
        other.extraElements = [DataElement(tag: .sopClassUID, vr: .UI, value: .bytes(Array("1.2.840.10008.5.1.4.1.1.4\0".utf8)))]
        images["mr.dcm"] = (other, .native)

        let expected: [String: ImageKind] = [
            "bmode.dcm": .bmode, "bmode-rgb-jpeg.dcm": .bmode, "bmode-no-regions.dcm": .bmode, "bmode-stated.dcm": .bmode,
            "colour-region.dcm": .colourFlow, "colour-pixels.dcm": .colourFlow, "colour-bitmap.dcm": .colourFlow,
            "doppler.dcm": .spectralDoppler, "m-mode.dcm": .mMode, "dual-view.dcm": .multiView,
            "secondary-capture.dcm": .secondaryCapture, "report-page.dcm": .secondaryCapture, "derived.dcm": .secondaryCapture,
            "mr.dcm": .unknown
        ]
        let files = try crawl(images)
        for (name, kind) in expected {
            let file = try XCTUnwrap(files[name], name)
            XCTAssertEqual(file.status, .ok, "\(name): \(file.detail ?? "")")
            XCTAssertEqual(file.imageKind, kind, "\(name): \(file.kindReason ?? "")")
            XCTAssertNotNil(file.kindReason, name)
        }
    }

    func testKindFilterReachesLabelsExportAndDataset() throws {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        let full = Self.tissue(8, 4, 119, 91)
        try Self.image(regions: [full]).write(to: data.url.appendingPathComponent("bmode.dcm"))
        try Self.image(regions: [Self.tissue(0, 4, 62, 91), Self.tissue(65, 4, 127, 91)]).write(
            to: data.url.appendingPathComponent("dual.dcm"))
        let manifest = try ManifestDatabase(path: out.file("m.sqlite"), createIfMissing: true)
        try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 1)).run(root: data.path)

        let stats = try manifest.kindStatistics()
        XCTAssertEqual(stats.entries.map(\.kind), ["bmode", "multi_view"])
        XCTAssertEqual(stats.entries.map(\.files), [1, 1])

        let report = try manifest.applyLabels(.paperDefault(), kinds: [.bmode])
        XCTAssertEqual(report.labelledFiles, 1)
        XCTAssertEqual(report.filesOfOtherKinds, 1)
        XCTAssertEqual(report.filesByKind, [.init(value: "bmode", count: 1)])

        let export = try manifest.labelExport(.paperDefault())
        XCTAssertEqual(export.root, data.url.standardizedFileURL.path)
        XCTAssertEqual(
            export.samples.map(\.fields),
            [
                ["bmode.dcm", "0", "bmode", "C5-1", "curvilinear", "US KIDNEY", "", ""],
                ["dual.dcm", "0", "multi_view", "C5-1", "curvilinear", "US KIDNEY", "", ""]
            ])
        XCTAssertEqual(try manifest.labelExport(.paperDefault(), kinds: [.multiView]).samples.map(\.path), ["dual.dcm"])

        try manifest.assignSplit(try SplitSettings(valShare: 0))
        let settings = try PreprocessSettings(height: 16, width: 16)
        let dataset = try CohortDataset(
            manifest: manifest, split: .train, settings: settings, kinds: [.bmode], cacheRoot: out.url.appendingPathComponent("cache"))
        XCTAssertEqual(dataset.count, 1)
        XCTAssertEqual(dataset.excludedFramesByKind, [.multiView: 1])
        XCTAssertTrue(dataset.kindSummary.contains("1 frames of other kinds excluded (multi_view 1)"), dataset.kindSummary)
    }

    /// A manifest written before image kinds (schema v1) is migrated: its images are marked,
    /// refused by a kind-filtered dataset with a message saying what to do, and re-read (only
    /// they) by the next crawl.
    func testManifestIndexedBeforeKindsIsReReadAndRefusedUntilThen() throws {
        let data = try TemporaryFolder(), out = try TemporaryFolder()
        let path = data.file("old.dcm")
        try Self.image(regions: [Self.tissue(8, 4, 119, 91)]).write(to: URL(fileURLWithPath: path))
        let stamp = try XCTUnwrap(Crawler.stamp(of: path))
        let old = try DatabaseQueue(path: out.file("m.sqlite"))
        try ManifestSchema.migrator.migrate(old, upTo: "v1")
        try old.write { db in
            try ManifestSchema.stampIdentity(db)
            try db.execute(
                sql: "INSERT INTO meta(key, value) VALUES (?, ?)",
                arguments: [ManifestDatabase.archiveRootKey, data.url.standardizedFileURL.path])
            try db.execute(
                sql: "INSERT INTO files(path, size, mtime_ns, status, indexed_at, frames) VALUES ('old.dcm', ?, ?, 'ok', 0, 1)",
                arguments: [stamp.size, stamp.mtimeNs])
        }
        try old.close()
        let manifest = try ManifestDatabase(path: out.file("m.sqlite"))
        try manifest.assignSplit(try SplitSettings(valShare: 0))
        let settings = try PreprocessSettings(height: 16, width: 16)
        XCTAssertThrowsError(try CohortDataset(manifest: manifest, split: .train, settings: settings, kinds: [.bmode])) { error in
            XCTAssertTrue("\(error)".contains("sonotag index"), "\(error)")
        }
        XCTAssertEqual(try manifest.kindStatistics().entries.map(\.kind), ["unclassified"])
        let counts = try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 1)).run(root: data.path)
        XCTAssertEqual(counts.updated, 1)
        XCTAssertEqual(try manifest.files().map(\.imageKind), [.bmode])
        let again = try Crawler(manifest: manifest, key: .test, options: CrawlOptions(threads: 1)).run(root: data.path)
        XCTAssertEqual(again.unchanged, 1)
    }

    func testParseKindList() throws {
        XCTAssertEqual(try ImageKind.parseList("bmode, colour_flow,bmode"), [.bmode, .colourFlow])
        XCTAssertEqual(try ImageKind.parseList("all"), ImageKind.allCases)
        XCTAssertNil(ImageKind.filter(ImageKind.allCases))
        XCTAssertThrowsError(try ImageKind.parseList("bmode,color")) { error in
            XCTAssertTrue("\(error)".contains("unknown image kind 'color'") && !"\(error)".contains("--"), "\(error)")
        }
        XCTAssertThrowsError(try ImageKind.parseList(""))
    }

    // MARK: regions as they come

    func testRegionsExceedingTheImageZeroAreaAndNegativeDeltas() throws {
        var outside = Self.tissue(100, 10, 300, 200)  // reaches past 128 × 96
        outside.physicalDeltaX = -0.03
        outside.physicalDeltaY = -0.025
        let zero = UltrasoundRegion(minX0: 0, minY0: 0, maxX1: 0, maxY1: 0, spatialFormat: 1, dataType: 1)
        let files = try crawl([
            "outside.dcm": (Self.image(regions: [outside]), .native),
            // The zero-area region is listed first and would win a tie; it must not count at all.
            "zero.dcm": (Self.image(regions: [zero, Self.tissue(10, 5, 29, 24)]), .native),
            "largest.dcm": (
                Self.image(regions: [Self.tissue(2, 2, 21, 21), Self.tissue(30, 10, 109, 89), Self.tissue(0, 0, 127, 95, format: 5)]),
                .native
            )
        ])
        let clamped = try XCTUnwrap(files["outside.dcm"])
        XCTAssertEqual(clamped.cropBox, CropBox(x0: 100, y0: 10, x1: 128, y1: 96))
        XCTAssertTrue(clamped.warningList.contains("ultrasound region outside the image, clamped"), "\(clamped.warningList)")
        XCTAssertTrue(clamped.warningList.contains("negative physical delta, read as its magnitude"), "\(clamped.warningList)")
        XCTAssertEqual(clamped.storedRegions.first?.deltaX, 0.03)
        XCTAssertEqual(clamped.storedRegions.first?.deltaY, 0.025)

        let zeroArea = try XCTUnwrap(files["zero.dcm"])
        XCTAssertEqual(zeroArea.cropBox, CropBox(x0: 10, y0: 5, x1: 30, y1: 25))
        XCTAssertTrue(zeroArea.warningList.contains("1 ultrasound region of zero area, ignored"), "\(zeroArea.warningList)")
        XCTAssertEqual(zeroArea.imageKind, .bmode, zeroArea.kindReason ?? "")

        // The largest 2D tissue region, not the graphics region covering the screen.
        XCTAssertEqual(files["largest.dcm"]?.cropBox, CropBox(x0: 30, y0: 10, x1: 110, y1: 90))
        XCTAssertEqual(files["largest.dcm"]?.imageKind, .multiView)
    }

    func testTransducerTypeFromTheRegionsIsStoredAndLabels() throws {
        var region = Self.tissue(8, 4, 119, 91)
        region.transducerType = "CURVED LINEAR"
        var image = Self.image(regions: [region])
        image.transducerData = ["9d", "UNUSED"]
        let files = try crawl(["typed.dcm": (image, .native)])
        let file = try XCTUnwrap(files["typed.dcm"])
        XCTAssertEqual(file.transducerType, "CURVED LINEAR")
        XCTAssertEqual(LabelMapping.paperDefault().labelVector(for: file).prefix(2), [0, 1])
    }
}
