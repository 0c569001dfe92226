import DICOM
import DICOMCodecs
import Foundation
import Imaging
import TestSupport
import XCTest

@testable import SonoData

/// `sonotag import`: PNG/JPEG images with a metadata table become ultrasound DICOM that
/// dciodvfy (dicom3tools) accepts, whose pixels pydicom reads equal to what Pillow reads from the
/// source, and that `index` and `labels` treat like a scanner's files.
final class ImportTests: XCTestCase {
    /// Patient IDs the tests look for in everything the import prints or writes beside the DICOM.
    static let patientIDs = ["MRN-QX-7731", "MRN-QX-7732"]

    /// A textured picture (not flat, so no row or column is redundant in the comparison).
    static func raster(width: Int, height: Int, channels: Int, colour: Bool = false) throws -> Raster {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let v = UInt8((x &* 37 &+ y &* 11 &+ (x * y) % 23) % 256)
                switch channels {
                case 1: pixels.append(v)
                case 3: pixels += colour ? [v, UInt8((Int(v) + 80) % 256), UInt8(255 - Int(v))] : [v, v, v]
                default: pixels += [v, UInt8((Int(v) + 40) % 256), v, UInt8(x % 2 == 0 ? 255 : 128)]
                }
            }
        }
        return try Raster(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Writes the test's inputs: gray PNG, colour PNG, RGB PNG of a gray picture, RGBA PNG and a gray JPEG.
    static func writeInputs(in folder: URL) throws -> [String] {
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try PNG.write(raster(width: 61, height: 47, channels: 1), to: images.appendingPathComponent("gray.png").path)
        try PNG.write(raster(width: 40, height: 30, channels: 3, colour: true), to: images.appendingPathComponent("colour.png").path)
        try PNG.write(raster(width: 33, height: 20, channels: 3), to: images.appendingPathComponent("sub/rgbgray.png").path)
        try PNG.write(raster(width: 16, height: 12, channels: 4), to: images.appendingPathComponent("alpha.png").path)
        let jpeg = try DICOMCodecs.JPEG.encodeBaseline(
            raster(width: 64, height: 48, channels: 1).pixels, width: 64, height: 48,
            components: 1, quality: 90, subsampling: .gray)
        try Data(jpeg).write(to: images.appendingPathComponent("scan.jpg"))
        return ["images/gray.png", "images/colour.png", "images/sub/rgbgray.png", "images/alpha.png", "images/scan.jpg"]
    }

    func testTableImportPassesDciodvfyAndPydicomReadsTheSourcePixels() throws {
        let folder = try temporaryFolder("import")
        let images = try Self.writeInputs(in: folder)
        var csv = "image,Transducer Data,Study Description,patient,pixel_spacing_mm,Manufacturer,body_part_examined\n"
        for (i, image) in images.enumerated() {
            let spacing = i % 2 == 0 ? "0.1" : ""
            csv += "\(image),ML6-15-D,US BREAST,\(Self.patientIDs[i % 2]),\(spacing),GE Healthcare,BREAST\n"
        }
        let table = folder.appendingPathComponent("meta.csv")
        try csv.write(to: table, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("dicom")
        let rows = try ImportTable.rows(csv: table.path, defaults: ImportDefaults())
        let summary = try ArchiveImporter.run(rows: rows, into: out, threads: 2)
        XCTAssertEqual(summary.written, images.count, "\(summary.failed)")
        XCTAssertEqual(summary.patients, 2)
        XCTAssertEqual(summary.studies, 2)
        XCTAssertEqual(summary.withRegions, 3)

        // Our own reader first: tags and region as asked.
        let gray = try DICOMFile(path: out.appendingPathComponent("images/gray.dcm").path)
        XCTAssertEqual(gray.dataSet.string(.sopClassUID), UltrasoundImage.usImageStorage)
        XCTAssertEqual(gray.dataSet.string(.transducerData), "ML6-15-D")
        XCTAssertEqual(gray.dataSet.string(.studyDescription), "US BREAST")
        XCTAssertEqual(gray.dataSet.string("BodyPartExamined"), "BREAST")
        XCTAssertEqual(gray.ultrasoundRegions.first?.physicalDeltaX, 0.01)

        let dciodvfy = try Prerequisite.executable("dciodvfy", package: "dicom3tools")
        for outcome in summary.outcomes {
            let path = out.appendingPathComponent(try XCTUnwrap(outcome.output)).path
            let report = try ProcessRunner.run(dciodvfy, [path]).combined
            let errors = report.split(separator: "\n").filter { $0.hasPrefix("Error") }
            XCTAssertTrue(errors.isEmpty, "\(outcome.source):\n\(report)")
            XCTAssertTrue(report.contains("USImage"), "dciodvfy did not recognise the US Image IOD:\n\(report)")
        }

        // pydicom's pixels against Pillow's reading of the source (RGBA composited over black,
        // gray stored as RGB compared on one channel).
        let python = try ReferencePython.pydicom()
        let script = """
            import sys, numpy as np, pydicom
            from PIL import Image
            for pair in sys.argv[1:]:
                src, dcm = pair.split('|')
                ds = pydicom.dcmread(dcm)
                px = ds.pixel_array
                im = Image.open(src)
                if im.mode == 'RGBA':
                    a = np.asarray(im).astype(np.float64)
                    ref = np.rint(a[..., :3] * a[..., 3:4] / 255.0).astype(np.uint8)
                else:
                    ref = np.asarray(im.convert('RGB') if im.mode not in ('L', 'RGB') else im)
                if ref.ndim == 3 and px.ndim == 2 and (ref == ref[..., :1]).all():
                    ref = ref[..., 0]
                regions = len(ds.get('SequenceOfUltrasoundRegions', []))
                print(src.split('/')[-1], ds.PhotometricInterpretation, px.shape == ref.shape and bool((px == ref).all()),
                      int(np.abs(px.astype(int) - ref.astype(int)).max()) if px.shape == ref.shape else -1, regions, ds.TransducerData)
            """
        let pairs = summary.outcomes.map { "\($0.source)|\(out.appendingPathComponent($0.output!).path)" }
        let result = try ProcessRunner.run(python, ["-c", script] + pairs)
        XCTAssertEqual(result.status, 0, result.combined)
        let lines = result.standardOutput.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.count, images.count, result.combined)
        let byName = Dictionary(uniqueKeysWithValues: lines.map { ($0[0], $0) })
        XCTAssertEqual(byName["gray.png"]?[1], "MONOCHROME2")
        XCTAssertEqual(byName["colour.png"]?[1], "RGB")
        XCTAssertEqual(byName["rgbgray.png"]?[1], "MONOCHROME2")
        XCTAssertEqual(byName["gray.png"]?[4], "1")
        XCTAssertEqual(byName["colour.png"]?[4], "0")
        for name in ["gray.png", "colour.png", "rgbgray.png", "scan.jpg"] {
            XCTAssertEqual(byName[name]?[2], "True", "\(name): pydicom's pixels differ from Pillow's: \(byName[name] ?? [])")
        }
        // Alpha compositing rounds; within one level of Pillow's arithmetic.
        XCTAssertLessThanOrEqual(Int(byName["alpha.png"]?[3] ?? "9") ?? 9, 1, "\(byName["alpha.png"] ?? [])")
    }

    func testBadRowsAreCountedNamedAndDoNotStopTheImport() throws {
        let folder = try temporaryFolder("import-bad")
        _ = try Self.writeInputs(in: folder)
        try Data("not a png".utf8).write(to: folder.appendingPathComponent("images/broken.png"))
        let csv = """
            image,TransducerData,StudyDescription,PatientID,pixel_spacing_mm,BodyPartExamined,split
            images/gray.png,SL10-2,US THYROID,\(Self.patientIDs[0]),0.2,,train
            images/missing.png,SL10-2,US THYROID,\(Self.patientIDs[0]),,,train
            images/broken.png,SL10-2,US THYROID,\(Self.patientIDs[1]),,,train
            images/colour.png,SL10-2,US THYROID,\(Self.patientIDs[1]),,thyroid,train
            images/scan.jpg,SL10-2,US THYROID,\(Self.patientIDs[1]),-3,,test
            images/alpha.png,SL10-2,\(String(repeating: "X", count: 70)),\(Self.patientIDs[1]),,,test

            """
        let table = folder.appendingPathComponent("meta.csv")
        try csv.write(to: table, atomically: true, encoding: .utf8)
        // `split` is neither a keyword nor the image: refused, naming it, unless ignored.
        XCTAssertThrowsError(try ImportTable.rows(csv: table.path, defaults: ImportDefaults())) { error in
            XCTAssertTrue("\(error)".contains("'split'") && "\(error)".contains("meta.csv"), "\(error)")
        }
        let rows = try ImportTable.rows(csv: table.path, defaults: ImportDefaults(), ignoring: ["split"])
        let summary = try ArchiveImporter.run(rows: rows, into: folder.appendingPathComponent("dicom"))
        XCTAssertEqual(summary.written, 1)
        let failed = Dictionary(
            uniqueKeysWithValues: summary.failed.map { ($0.origin.components(separatedBy: " row ").last!, $0.problem!) })
        XCTAssertEqual(Set(failed.keys), ["3", "4", "5", "6", "7"], "\(failed)")
        XCTAssertTrue(failed["3"]!.contains("no such file"), failed["3"]!)
        XCTAssertTrue(failed["5"]!.contains("BodyPartExamined") && failed["5"]!.contains("upper-case"), failed["5"]!)
        XCTAssertTrue(failed["6"]!.contains("pixel spacing"), failed["6"]!)
        XCTAssertTrue(failed["7"]!.contains("StudyDescription") && failed["7"]!.contains("64"), failed["7"]!)
        let reportPath = folder.appendingPathComponent("report.csv").path
        try ArchiveImporter.writeReport(summary, to: reportPath)
        let report = try String(contentsOfFile: reportPath, encoding: .utf8)
        for id in Self.patientIDs { XCTAssertFalse(report.contains(id) || failed.values.joined().contains(id)) }
    }

    func testTablesThatCannotBeImportedAreRefusedNamingTheColumn() throws {
        let folder = try temporaryFolder("import-refused")
        for (header, expected) in [
            ("image,Rows", "Rows"), ("image,StudyDescripton", "StudyDescripton"),
            ("file,path", "two image columns"), ("Transducer Data", "no image column"),
            ("image,ReferencedImageSequence", "SQ")
        ] {
            let table = folder.appendingPathComponent("t.csv")
            try "\(header)\na.png,1\n".write(to: table, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ImportTable.rows(csv: table.path, defaults: ImportDefaults()), header) { error in
                XCTAssertTrue("\(error)".contains(expected) && "\(error)".contains("t.csv"), "\(header): \(error)")
            }
        }
        XCTAssertEqual(ImportTable.keyword(forHeader: "Transducer Data"), "TransducerData")
        XCTAssertEqual(ImportTable.keyword(forHeader: "study_description"), "StudyDescription")
        XCTAssertEqual(ImportTable.keyword(forHeader: "series instance uid"), "SeriesInstanceUID")
        XCTAssertNil(ImportValues.multiplicityProblem(2, vm: "1-n"))
        XCTAssertNotNil(ImportValues.multiplicityProblem(2, vm: "1"))
        XCTAssertNotNil(ImportValues.textProblem("2024-01-01", vr: .DA))
    }

    /// The folder mode through the built binary, then `index` and `labels` with a user's mapping
    /// that adds a group: the imported folder is an archive like a scanner's.
    func testFolderImportIsIndexedAndLabelledLikeAScannersArchive() throws {
        let sonotag = try BuiltProducts.executable("sonotag")
        let folder = try temporaryFolder("import-cli")
        let images = folder.appendingPathComponent("scans")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for i in 0..<6 {
            let name = "\(Self.patientIDs[i % 2])_\(i).png"
            try PNG.write(Self.raster(width: 48 + i, height: 40, channels: 1), to: images.appendingPathComponent(name).path)
        }
        let out = folder.appendingPathComponent("dicom").path
        var log = ""
        func run(_ arguments: [String]) throws -> ProcessOutput {
            let result = try ProcessRunner.run(sonotag, arguments, environment: ["CI": "true"])
            log += result.combined
            XCTAssertEqual(result.status, 0, "\(arguments.first ?? ""): \(result.combined)")
            return result
        }
        let imported = try run([
            "import", images.path, "--out", out, "--transducer", "ML6-15-D", "--study-description", "US BREAST",
            "--patient-from", "^(MRN-[A-Z]+-[0-9]+)_", "--pixel-spacing", "0.08", "--tag", "Manufacturer=GE Healthcare"
        ])
        XCTAssertTrue(
            imported.standardOutput.contains("6 of 6 images written") && imported.standardOutput.contains("2 patients"), imported.combined)
        let db = folder.appendingPathComponent("cohort.sqlite").path, key = folder.appendingPathComponent("key").path
        let indexed = try run(["index", out, "--db", db, "--key", key, "--plain"])
        let kinds = try run(["tags", "--db", db, "--kinds"])
        XCTAssertTrue(
            kinds.standardOutput.contains("bmode") && kinds.standardOutput.contains("6 images"), kinds.combined + indexed.combined)
        let mapping = folder.appendingPathComponent("labels.yaml")
        try """
        extends: paper
        study:
          groups: [liver, kidney, thyroid, abdomen, chest, soft tissue, nodule, drainage, breast]
          names:
            "US BREAST": [breast, soft tissue]
        """.write(to: mapping, atomically: true, encoding: .utf8)
        let labelled = try run(["labels", "--db", db, "--labels", mapping.path])
        let export = folder.appendingPathComponent("labels.csv").path
        _ = try run(["labels", "--db", db, "--labels", mapping.path, "--export", export])
        let rows = try String(contentsOfFile: export, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 7, labelled.combined)
        XCTAssertTrue(rows.dropFirst().allSatisfy { $0.contains("linear") && $0.contains("breast") }, rows.joined(separator: "\n"))
        // Patient IDs went into the files, never into what the commands printed or the report.
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".import.csv"))
        for id in Self.patientIDs { XCTAssertFalse(log.contains(id), "a patient ID was printed:\n\(log)") }
        XCTAssertEqual(try DICOMFile(path: out + "/\(Self.patientIDs[0])_0.dcm").dataSet.string(.patientID), Self.patientIDs[0])
    }

    /// The patient pattern is named as a setting, not as the command's --patient-from.
    func testABadPatientPatternIsNamedAsASetting() {
        var defaults = ImportDefaults()
        defaults.patientFrom = "(["
        XCTAssertThrowsError(try ImportTable.patientID(for: URL(fileURLWithPath: "/x/P1_a.png"), defaults: defaults)) {
            XCTAssertEqual("\($0)", "the patient pattern '([' is not a regular expression")
        }
    }
}
