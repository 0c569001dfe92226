import DICOM
import DICOMCodecs
import Foundation
@testable import SonoPhantom

enum TestSupport {
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sonophantom-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A small, quick cohort: 64×96 frames, a few patients, small downstream sets.
    static func smallOptions(patients: Int = 3, seed: UInt64 = 11) -> PhantomOptions {
        var options = PhantomOptions()
        options.patients = patients
        options.seed = seed
        options.rows = 64
        options.columns = 96
        options.studiesPerPatient = 1...2
        options.seriesPerStudy = 1...2
        options.imagesPerSeries = 1...2
        options.cineFraction = 0.3
        options.cineFrames = 3...4
        var downstream = DownstreamOptions()
        downstream.patients = 3
        downstream.imagesPerPatient = 2
        options.downstream = downstream
        return options
    }

    /// Every regular file under `root`, relative paths sorted.
    static func files(under root: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var out: [String] = []
        while let path = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory), !isDirectory.boolValue {
                out.append(path)
            }
        }
        return out.sorted()
    }

    /// All frames through the SonoTag reader; JPEG Baseline through DICOMCodecs directly while
    /// the reader's JPEG path is not merged on this branch (YBR → RGB as the reader would).
    static func decodeAllFrames(_ file: DICOMFile) throws -> [PixelFrame] {
        do {
            return try file.decodeAllFrames()
        } catch {
            guard file.transferSyntax.uid == PhantomEncoding.jpegBaseline.transferSyntaxUID else { throw error }
            return try (0..<file.frameCount()).map { k in
                let image = try JPEG.decode(try file.frameBytes(k), colorTransform: .rgb)
                return PixelFrame(rows: image.height, columns: image.width, samplesPerPixel: image.components,
                                  sampleType: .uint8, photometricInterpretation: "RGB", data: image.data)
            }
        }
    }

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs a tool; returns (exit status, stdout + stderr).
    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
