import DICOM
import Foundation

@testable import SonoPhantom

/// Cohort options and file listings the phantom tests share.
enum PhantomFixtures {
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
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                out.append(path)
            }
        }
        return out.sorted()
    }

    /// All frames through the SonoTag reader.
    static func decodeAllFrames(_ file: DICOMFile) throws -> [PixelFrame] { try file.decodeAllFrames() }
}
