import Foundation
import Imaging
import TestSupport
import XCTest

@testable import SonoData

final class DownstreamDatasetTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = try temporaryFolder("downstream")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("masks"), withIntermediateDirectories: true)
    }

    private func writeImage(_ relative: String, width: Int = 8, height: Int = 6, channels: Int = 1, value: (Int, Int) -> UInt8) throws {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width { pixels += Array(repeating: value(x, y), count: channels) }
        }
        try ImageFile.write(
            try Raster(width: width, height: height, channels: channels, pixels: pixels),
            to: root.appendingPathComponent(relative).path)
    }

    private func segmentation() -> DownstreamLayoutOptions { DownstreamLayoutOptions(task: .segmentation) }

    private func assertError(
        _ expression: @autoclosure () throws -> Any, mentions fragment: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertTrue(error is DownstreamDataError, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(fragment), "'\(error)' should mention \(fragment)", file: file, line: line)
        }
    }

    func testMasksOfOneImageAreMergedAndRGBCounts() throws {
        try writeImage("images/a.png") { x, _ in UInt8(x * 30) }
        // Left half in one gray mask, a right column in an RGB (red only) mask.
        try writeImage("masks/a_left.png") { x, _ in x < 4 ? 255 : 0 }
        var red: [UInt8] = []
        for _ in 0..<6 { for x in 0..<8 { red += x == 7 ? [255, 0, 0] : [0, 0, 0] } }
        try ImageFile.write(
            try Raster(width: 8, height: 6, channels: 3, pixels: red), to: root.appendingPathComponent("masks/a_right.png").path)
        let dataset = try DownstreamDataset.discover(at: root, options: segmentation())
        XCTAssertEqual(dataset.samples.count, 1)
        XCTAssertEqual(dataset.samples[0].maskPaths.first?.count, 2)
        let arrays = try dataset.load(dataset.samples, height: 6, width: 8, task: .segmentation)
        let row = Array(arrays.masks[0..<8])
        XCTAssertEqual(row, [1, 1, 1, 1, 0, 0, 0, 1])
        // z-score: mean 0, unit (population) variance, computed independently here.
        let mean = arrays.images.reduce(0, +) / Float(arrays.images.count)
        XCTAssertEqual(mean, 0, accuracy: 1e-5)
        let variance = arrays.images.map { $0 * $0 }.reduce(0, +) / Float(arrays.images.count)
        XCTAssertEqual(variance, 1, accuracy: 1e-4)
    }

    func testMaskClassesBecomeChannels() throws {
        try writeImage("images/b.png") { _, _ in 9 }
        try writeImage("masks/b_liver.png") { _, y in y < 3 ? 255 : 0 }
        let options = DownstreamLayoutOptions(task: .segmentation, maskClasses: ["liver", "kidney"])
        let dataset = try DownstreamDataset.discover(at: root, options: options)
        let arrays = try dataset.load(dataset.samples, height: 6, width: 8, task: .segmentation)
        XCTAssertEqual(arrays.maskChannels, 2)
        XCTAssertEqual(arrays.masks.count, 2 * 48)
        XCTAssertEqual(arrays.masks[0..<48].reduce(0, +), 24)  // liver: top three rows
        XCTAssertEqual(arrays.masks[48..<96].reduce(0, +), 0)  // kidney: absent, empty
        // A flat image has no variance: it stays finite (zeros), not NaN.
        XCTAssertTrue(arrays.images.allSatisfy { $0 == 0 })
    }

    func testMissingMaskNamesTheImage() throws {
        try writeImage("images/c.png") { _, _ in 1 }
        try writeImage("images/d.png") { _, _ in 1 }
        try writeImage("masks/c.png") { _, _ in 255 }
        assertError(try DownstreamDataset.discover(at: root, options: segmentation()), mentions: "images/d.png")
    }

    func testSizeMismatchNamesMaskAndImage() throws {
        try writeImage("images/e.png") { _, _ in 1 }
        try writeImage("masks/e.png", width: 5, height: 6) { _, _ in 255 }
        let dataset = try DownstreamDataset.discover(at: root, options: segmentation())
        assertError(try dataset.load(dataset.samples, height: 4, width: 4, task: .segmentation), mentions: "masks/e.png")
        assertError(try dataset.load(dataset.samples, height: 4, width: 4, task: .segmentation), mentions: "5×6")
    }

    func testUnreadableImageNamesTheFile() throws {
        try Data("not an image".utf8).write(to: root.appendingPathComponent("images/f.png"))
        try writeImage("masks/f.png") { _, _ in 255 }
        let dataset = try DownstreamDataset.discover(at: root, options: segmentation())
        assertError(try dataset.load(dataset.samples, height: 4, width: 4, task: .segmentation), mentions: "images/f.png")
    }

    func testEmptyFolderNamesTheFolder() throws {
        assertError(try DownstreamDataset.discover(at: root, options: segmentation()), mentions: root.appendingPathComponent("images").path)
        assertError(
            try DownstreamDataset.discover(at: root.appendingPathComponent("nowhere"), options: segmentation()), mentions: "nowhere")
    }

    func testCSVWithLabelsAndSplits() throws {
        try writeImage("images/g.png") { _, _ in 1 }
        try writeImage("images/h.png") { _, _ in 2 }
        try writeImage("images/i.png") { _, _ in 3 }
        let csv = "image,quality,split\nimages/g.png,0,train\n\"images/h.png\",4,val\nimages/i.png,2,test\n"
        try Data(csv.utf8).write(to: root.appendingPathComponent("set.csv"))
        let dataset = try DownstreamDataset.discover(
            at: root.appendingPathComponent("set.csv"),
            options: DownstreamLayoutOptions(task: .classification))
        XCTAssertEqual(dataset.samples.map(\.label), ["0", "4", "2"])
        XCTAssertEqual(dataset.samples.map(\.split), [.train, .val, .test])
        let encoding = try LabelEncoding.fit(dataset.samples.map { ($0.id, $0.label ?? "") }, mode: nil)
        XCTAssertEqual(encoding.mode, .ordinal)
        XCTAssertEqual(encoding.outputs, 4)
        XCTAssertEqual(try encoding.target(for: "2", image: "i"), [1, 1, 0, 0])
    }

    /// Item 5 of "Nothing silently wrong": one unparsable score must not turn the ordinal task into
    /// a multi-class one; the mode is inferred once and a misfit names file, row and value.
    func testAValueThatDoesNotFitTheModeNamesFileRowAndValue() throws {
        var csv = "image,quality\n"
        for i in 0..<9 {
            try writeImage("images/q\(i).png") { _, _ in UInt8(i) }
            csv += "images/q\(i).png,\(i == 6 ? "3?" : String(i % 5))\n"
        }
        let file = root.appendingPathComponent("quality.csv")
        try Data(csv.utf8).write(to: file)
        let dataset = try DownstreamDataset.discover(at: file, options: DownstreamLayoutOptions(task: .classification))
        let values = dataset.samples.compactMap(\.labelledValue)
        XCTAssertEqual(values.count, 9)
        // Inferred: 8 integers and one name is a mistake, not a 6-class task. Row 6 of the data is line 8.
        assertError(try LabelEncoding.fit(values, mode: nil), mentions: "\(file.path) line 8: label '3?' of image q6")
        assertError(try LabelEncoding.fit(values, mode: .ordinal), mentions: "\(file.path) line 8: label '3?'")
        // Asked for explicitly, the names are classes.
        XCTAssertEqual(try LabelEncoding.fit(values, mode: .multiclass).classes.count, 6)
        // Recorded classes: a value outside them is named with its row too.
        let encoding = LabelEncoding(mode: .ordinal, classes: ["0", "1", "2"])
        assertError(
            try encoding.target(for: LabelledValue(image: "q4", label: "4", file: file.path, line: 6)),
            mentions: "\(file.path) line 6: label '4' of image q4: expected an ordinal level 0…2")
    }

    /// Item 6: without a split column, a patient column keeps each patient's images together.
    func testPatientColumnSplitsByPatient() throws {
        var csv = "image,patient,score\n"
        for i in 0..<40 {
            try writeImage("images/p\(i).png") { _, _ in UInt8(i) }
            csv += "images/p\(i).png,P\(i / 4),\(i % 3)\n"
        }
        try Data(csv.utf8).write(to: root.appendingPathComponent("patients.csv"))
        let dataset = try DownstreamDataset.discover(
            at: root.appendingPathComponent("patients.csv"),
            options: DownstreamLayoutOptions(task: .classification))
        XCTAssertEqual(dataset.splitSource, .patient)
        let byPatient = Dictionary(grouping: dataset.samples) { Int($0.id.dropFirst())! / 4 }
        for (patient, samples) in byPatient {
            XCTAssertEqual(Set(samples.map(\.split)).count, 1, "patient \(patient) straddles splits")
        }
        XCTAssertGreaterThan(Set(dataset.samples.map(\.split)).count, 1, "ten patients spread over splits")
    }

    func testCSVWithMissingImageNamesLineAndFile() throws {
        try Data("image,label\nimages/nothere.png,1\n".utf8).write(to: root.appendingPathComponent("bad.csv"))
        assertError(
            try DownstreamDataset.discover(
                at: root.appendingPathComponent("bad.csv"),
                options: DownstreamLayoutOptions(task: .classification)),
            mentions: "line 2")
        try Data("picture,label\n".utf8).write(to: root.appendingPathComponent("nohead.csv"))
        assertError(
            try DownstreamDataset.discover(
                at: root.appendingPathComponent("nohead.csv"),
                options: DownstreamLayoutOptions(task: .classification)),
            mentions: "nohead.csv")
    }

    func testHashedSplitIsStableAndRoughlyProportional() {
        let options = DownstreamLayoutOptions(task: .segmentation)
        let ids = (0..<1000).map { String(format: "%03d_HC", $0) }
        let splits = ids.map { DownstreamDataset.hashedSplit($0, options: options) }
        XCTAssertEqual(splits, ids.map { DownstreamDataset.hashedSplit($0, options: options) })
        let train = splits.filter { $0 == .train }.count
        XCTAssertTrue((620...780).contains(train), "\(train) of 1000 in train for a 70 % share")
    }

    /// HC18's layout (the fetal-head set scripts/hc18_check.sh trains on): `images/NNN_HC.png`
    /// 8-bit gray, `masks/NNN_HC.png` filled heads as RGB 0/255, and a `pixel_size_and_hc.csv`
    /// beside them that is not a label file. Made here at a tenth of HC18's 800×540, since the
    /// real images are not the project's to redistribute.
    func testHC18LayoutIsUnderstood() throws {
        let width = 80, height = 54
        // A filled ellipse like HC18's head masks; its pixel count is the expected foreground.
        func inHead(_ x: Int, _ y: Int) -> Bool {
            let dx = (Double(x) + 0.5 - 40) / 24, dy = (Double(y) + 0.5 - 27) / 16
            return dx * dx + dy * dy <= 1
        }
        var csv = "filename,pixel size(mm),head circumference (mm)\n"
        for n in 0..<6 {
            let stem = String(format: "%03d_HC", n)
            try writeImage("images/\(stem).png", width: width, height: height) { x, y in UInt8((x * 3 + y * 2 + n) % 256) }
            try writeImage("masks/\(stem).png", width: width, height: height, channels: 3) { x, y in inHead(x, y) ? 255 : 0 }
            csv += "\(stem).png,0.0691358\(n),44.3\n"
        }
        try Data(csv.utf8).write(to: root.appendingPathComponent("pixel_size_and_hc.csv"))
        let dataset = try DownstreamDataset.discover(at: root, options: segmentation())
        XCTAssertEqual(dataset.samples.map(\.id).sorted(), (0..<6).map { String(format: "%03d_HC", $0) })
        let arrays = try dataset.load(Array(dataset.samples.prefix(1)), height: height, width: width, task: .segmentation)
        let foreground = arrays.masks.reduce(0, +) / Float(arrays.masks.count)
        let head = (0..<height).flatMap { y in (0..<width).map { x in inHead(x, y) } }.filter { $0 }.count
        XCTAssertEqual(foreground, Float(head) / Float(width * height), accuracy: 1e-3, "head fraction")
    }
}

/// Item 6 of "Nothing silently wrong": a folder without labels.csv is split by the patient its
/// file names carry, never with one patient's images in two splits; names without a patient
/// keep the per-image split.
final class FileNamePatientTests: XCTestCase {
    private func folder(_ names: [String]) throws -> URL {
        let root = try temporaryFolder("patients")
        for sub in ["images", "masks"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for name in names {
            let raster = try Raster(width: 4, height: 4, channels: 1, pixels: [UInt8](repeating: 9, count: 16))
            try ImageFile.write(raster, to: root.appendingPathComponent("images/\(name).png").path)
            try ImageFile.write(raster, to: root.appendingPathComponent("masks/\(name).png").path)
        }
        return root
    }

    private func assertSplitByPatient(_ names: [String], patient: (String) -> String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let dataset = try DownstreamDataset.discover(at: try folder(names), options: DownstreamLayoutOptions(task: .segmentation))
        XCTAssertEqual(dataset.splitSource, .patient, file: file, line: line)
        let byPatient = Dictionary(grouping: dataset.samples) { patient($0.id) }
        for (id, samples) in byPatient {
            XCTAssertEqual(Set(samples.map(\.split)).count, 1, "patient \(id) straddles splits", file: file, line: line)
        }
        XCTAssertGreaterThan(Set(dataset.samples.map(\.split)).count, 1, "patients spread over splits", file: file, line: line)
    }

    func testPatientWordInTheNameSplitsByPatient() throws {
        // 20 patients, 4 images each: a per-image split would put some patient in two splits.
        let names = (0..<80).map { String(format: "Patient%03d_frame%d", $0 / 4, $0 % 4) }
        try assertSplitByPatient(names) { String($0.prefix(10)) }
    }

    func testSharedLeadingIdentifierSplitsByPatient() throws {
        // HC18's naming: 000_HC, 001_HC, 001_2HC, … (a patient's second scan adds a number).
        let names = (0..<40).flatMap { i in [String(format: "%03d_HC", i), String(format: "%03d_2HC", i)] }
        try assertSplitByPatient(names) { String($0.prefix(3)) }
    }

    func testNamesWithoutAPatientKeepThePerImageSplit() throws {
        let numbered = try DownstreamDataset.discover(
            at: try folder((0..<20).map { "img\($0)" }),
            options: DownstreamLayoutOptions(task: .segmentation))
        XCTAssertEqual(numbered.splitSource, .fileName)
        // A leading number per image, none shared: a numbering, not patients.
        XCTAssertNil(FileNamePatients.patients(of: (0..<20).map { "\($0)_scan" }))
        XCTAssertEqual(FileNamePatients.patients(of: ["P012_a", "p12-b", "pt3"]), ["P012_a": "12", "p12-b": "12", "pt3": "3"])
    }
}
