import DICOM
import Foundation
import TestSupport
import XCTest

@testable import SonoPhantom

/// One file per pixel encoding and SOP class, checked by tools we did not write.
final class ConformanceTests: XCTestCase {
    private static var sample: (folder: TemporaryFolder, files: [String])?

    /// Small cohort with every encoding and some cine loops.
    private func sampleFiles() throws -> (root: URL, files: [String]) {
        if let sample = Self.sample { return (sample.folder.url, sample.files) }
        var options = PhantomFixtures.smallOptions(patients: 4, seed: 21)
        options.cineFraction = 0.4
        options.downstream = nil
        let folder = try TemporaryFolder("conformance")
        let root = folder.url
        try PhantomGenerator.generate(options, into: root)
        let files = PhantomFixtures.files(under: root).filter { $0.hasSuffix(".dcm") }.map { root.appendingPathComponent($0).path }
        Self.sample = (folder, files)
        return (root, files)
    }

    override class func tearDown() {
        sample = nil
        super.tearDown()
    }

    /// One representative file per (encoding, single/multi-frame).
    private func representatives() throws -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for path in try sampleFiles().files {
            let file = try DICOMFile(path: path, mode: .headerOnly)
            let key = "\(file.transferSyntax.uid) \(file.dataSet.string(.photometricInterpretation) ?? "") \(file.numberOfFrames > 1)"
            if seen.insert(key).inserted { out.append(path) }
        }
        return out
    }

    func testSamplePassesDciodvfyWithoutErrors() throws {
        let dciodvfy = try Prerequisite.executable("dciodvfy", package: "dicom3tools")
        let files = try representatives()
        XCTAssertGreaterThanOrEqual(files.count, 4)
        for path in files {
            let output = try ProcessRunner.run(dciodvfy, [path]).combined
            let errors = output.split(separator: "\n").filter { $0.hasPrefix("Error") }
            XCTAssertTrue(errors.isEmpty, "\(path):\n" + errors.joined(separator: "\n"))
            XCTAssertTrue(
                output.contains("USImage") || output.contains("USMultiFrameImage"), "dciodvfy did not recognise the IOD:\n\(output)")
        }
    }

    func testSampleReadsInPydicomWithTheSamePixels() throws {
        let python = try ReferencePython.pydicom()
        let files = try representatives()
        // pydicom reads each file and prints what it decoded; lossless files must match the
        // SonoTag reader exactly, JPEG within rounding of the two decoders.
        let script = """
            import sys, json, hashlib, pydicom
            out = []
            for p in sys.argv[1:]:
                ds = pydicom.dcmread(p)
                a = ds.pixel_array
                out.append({"path": p, "shape": list(a.shape), "md5": hashlib.md5(a.astype("uint8").tobytes()).hexdigest(),
                            "mean": float(a.mean()), "td": str(ds.get("TransducerData", "")), "sd": str(ds.get("StudyDescription", "")),
                            "regions": len(ds.SequenceOfUltrasoundRegions), "dx": float(ds.SequenceOfUltrasoundRegions[0].PhysicalDeltaX)})
            print(json.dumps(out))
            """
        let run = try ProcessRunner.run(python, ["-c", script] + files)
        XCTAssertEqual(run.status, 0, run.combined)
        let output = run.standardOutput
        guard let line = output.split(separator: "\n").last, let data = line.data(using: .utf8),
            let results = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else {
            return XCTFail("pydicom output not understood:\n\(output)")
        }
        XCTAssertEqual(results.count, files.count)
        for result in results {
            let path = try XCTUnwrap(result["path"] as? String)
            let file = try DICOMFile(path: path)
            let frames = try PhantomFixtures.decodeAllFrames(file)
            let ours = frames.flatMap(\.data)
            let shape = try XCTUnwrap(result["shape"] as? [Int])
            XCTAssertEqual(shape.reduce(1, *), ours.count, "\(path): pydicom shape \(shape)")
            XCTAssertEqual(result["td"] as? String, file.transducerData.first)
            XCTAssertEqual(result["sd"] as? String, file.studyDescription)
            XCTAssertEqual(result["regions"] as? Int, 1)
            let mean = Double(ours.reduce(0) { $0 + Int($1) }) / Double(ours.count)
            if file.transferSyntax.uid == PhantomEncoding.jpegBaseline.transferSyntaxUID {
                XCTAssertEqual(try XCTUnwrap(result["mean"] as? Double), mean, accuracy: 1.0, path)
            } else {
                XCTAssertEqual(result["md5"] as? String, MD5.hex(ours), path)
            }
        }
    }
}
