import DICOM
import Foundation
import TestSupport
import XCTest

@testable import SonoPhantom

/// Reads a generated archive back with the SonoTag DICOM reader and checks that tags and pixels
/// agree: probe geometry, depth, regions.
final class ArchiveTests: XCTestCase {
    private static var cohort: TemporaryFolder?

    /// One cohort shared by the tests of this class (12 patients at 64×96: a couple of seconds).
    private func archive() throws -> URL {
        if let cohort = Self.cohort { return cohort.url }
        var options = PhantomFixtures.smallOptions(patients: 12, seed: 5)
        options.studiesPerPatient = 2...2
        options.studyDescriptionNoise = 0
        options.transducerNoise = 0
        options.downstream = nil
        let folder = try TemporaryFolder("archive")
        try PhantomGenerator.generate(options, into: folder.url)
        Self.cohort = folder
        return folder.url
    }

    override class func tearDown() {
        cohort = nil
        super.tearDown()
    }

    private func dicomFiles() throws -> [String] {
        let root = try archive()
        return PhantomFixtures.files(under: root).filter { $0.hasSuffix(".dcm") }.map { root.appendingPathComponent($0).path }
    }

    func testEveryFileReadsBackWithItsTagsAndPixels() throws {
        let files = try dicomFiles()
        XCTAssertGreaterThan(files.count, 20)
        var syntaxes = Set<String>()
        var multiframe = 0
        for path in files {
            let file = try DICOMFile(path: path)
            syntaxes.insert(file.transferSyntax.uid)
            XCTAssertEqual(file.dataSet.string(.modality), "US", path)
            XCTAssertEqual(file.burnedInAnnotation, true, path)
            XCTAssertEqual(file.transducerData.count, 1, path)
            XCTAssertNotNil(file.studyDescription, path)
            let frames = try PhantomFixtures.decodeAllFrames(file)
            XCTAssertEqual(frames.count, file.numberOfFrames, path)
            if frames.count > 1 {
                multiframe += 1
                // A cine loop moves (breathing/probe motion): consecutive frames differ.
                XCTAssertNotEqual(frames[0].data, frames[1].data, path)
                XCTAssertEqual(file.sopClassUID, UltrasoundImage.usMultiFrameImageStorage)
            } else {
                XCTAssertEqual(file.sopClassUID, UltrasoundImage.usImageStorage)
            }
            XCTAssertEqual(frames[0].rows, 64)
            XCTAssertEqual(frames[0].columns, 96)
            let region = try XCTUnwrap(file.tissueRegion(), path)
            XCTAssertEqual(region.region.physicalUnitsX, 3)
            XCTAssertEqual(try XCTUnwrap(region.region.physicalDeltaX), try XCTUnwrap(region.region.physicalDeltaY), accuracy: 1e-12)
        }
        XCTAssertEqual(syntaxes, Set(PhantomEncoding.allCases.map(\.transferSyntaxUID)), "expected every transfer syntax in the mix")
        XCTAssertGreaterThan(multiframe, 0)
    }

    /// Mean grey level in a box of the first frame (luma for colour).
    private func meanLevel(_ frame: PixelFrame, x0: Int, y0: Int, x1: Int, y1: Int) -> Double {
        var sum = 0.0, n = 0
        for y in max(0, y0)...min(frame.rows - 1, y1) {
            for x in max(0, x0)...min(frame.columns - 1, x1) {
                let k = (y * frame.columns + x) * frame.samplesPerPixel
                sum += Double(frame.data[k]); n += 1
            }
        }
        return sum / Double(max(n, 1))
    }

    func testProbeTagMatchesFieldOfViewShape() throws {
        var fans = 0, rectangles = 0
        for path in try dicomFiles() {
            let file = try DICOMFile(path: path)
            let probe = try XCTUnwrap(file.transducerData.first)
            let box = try XCTUnwrap(file.tissueRegion()?.box)
            let frame = try PhantomFixtures.decodeAllFrames(file)[0]
            // Top corners of the region box: outside a convex probe's sector, skin for a linear one.
            let cw = max(1, box.width / 10), ch = max(1, box.height / 10)
            let left = meanLevel(frame, x0: box.x, y0: box.y, x1: box.x + cw - 1, y1: box.y + ch - 1)
            let right = meanLevel(frame, x0: box.x + box.width - cw, y0: box.y, x1: box.x + box.width - 1, y1: box.y + ch - 1)
            // Just below the probe face (the reference pixel row) in the middle of the region.
            let face = box.y + max(0, try XCTUnwrap(file.tissueRegion()?.region.referencePixelY0))
            let centreTop = meanLevel(
                frame, x0: box.x + box.width / 2 - cw / 2, y0: face, x1: box.x + box.width / 2 + cw / 2, y1: face + ch - 1)
            if probe == "SC6-1" {
                fans += 1
                XCTAssertLessThan(max(left, right), 4, "\(path): convex probe but the region's top corners are not empty")
                XCTAssertGreaterThan(centreTop, 20, "\(path): convex probe sector has no near field")
            } else {
                rectangles += 1
                XCTAssertTrue(["SL10-2", "SL15-4"].contains(probe), probe)
                XCTAssertGreaterThan(min(left, right), 20, "\(path): linear probe but the region's top corners are empty")
            }
        }
        XCTAssertGreaterThan(fans, 0)
        XCTAssertGreaterThan(rectangles, 0)
    }

    func testThyroidExamsAreShallowAndAbdominalExamsDeep() throws {
        var thyroid = 0, abdominal = 0
        for path in try dicomFiles() {
            let file = try DICOMFile(path: path, mode: .headerOnly)
            let description = try XCTUnwrap(file.studyDescription)
            let (region, box) = try XCTUnwrap(file.tissueRegion())
            // Depth of view from the region geometry: rows below the probe face × cm per pixel.
            let depthCM = Double(box.height - (region.referencePixelY0 ?? 0)) * (region.physicalDeltaY ?? 0)
            if description.contains("THYROID") {
                thyroid += 1
                XCTAssertLessThan(depthCM, 5.5, "\(path): thyroid exam imaged \(depthCM) cm deep")
            } else if description.contains("LIVER") || description.contains("KIDNEY") {
                abdominal += 1
                XCTAssertGreaterThan(depthCM, 8, "\(path): liver/kidney exam imaged only \(depthCM) cm deep")
            }
        }
        XCTAssertGreaterThan(thyroid, 0, "cohort has no thyroid exam; pick another seed")
        XCTAssertGreaterThan(abdominal, 0, "cohort has no liver/kidney exam; pick another seed")
    }

    func testInstanceTableHasNoIdentifiers() throws {
        let root = try archive()
        let table = try String(contentsOf: root.appendingPathComponent("instances.csv"), encoding: .utf8)
        let summary = try String(contentsOf: root.appendingPathComponent("phantom.json"), encoding: .utf8)
        for path in try dicomFiles().prefix(10) {
            let file = try DICOMFile(path: path, mode: .headerOnly)
            let id = try XCTUnwrap(file.dataSet.string(.patientID))
            let name = try XCTUnwrap(file.dataSet.string(Tag(0x0010, 0x0010)))
            XCTAssertFalse(table.contains(id)); XCTAssertFalse(summary.contains(id))
            XCTAssertFalse(table.contains(name)); XCTAssertFalse(path.contains(id))
        }
    }
}
