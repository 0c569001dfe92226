import Foundation
import TestSupport
import XCTest

@testable import SonoData

extension ManifestDatabase {
    /// Labels every file with the paper's mapping (what `sonotag labels` does) and returns the
    /// stored labels, as pretraining reads them.
    func paperLabels() throws -> StoredLabels {
        try applyLabels(.paperDefault())
        return try weakLabels()
    }
}

/// The labels a dataset carries are the manifest's stored ones, never recomputed.
final class StoredLabelsTests: XCTestCase {
    func testDatasetsCarryTheStoredVectors() throws {
        let folder = try TemporaryFolder()
        let manifest = try ManifestDatabase(path: folder.file("m.sqlite"), createIfMissing: true)
        for i in 0..<6 {
            try manifest.insertSynthetic(path: "/f\(i)", patientID: "P\(i)", transducer: "L12-5", description: "US THYROID BIOPSY")
        }
        XCTAssertThrowsError(try manifest.weakLabels()) { error in
            XCTAssertEqual(error as? SonoDataError, .noStoredLabels(manifest: manifest.path))
            XCTAssertTrue("\(error)".contains("sonotag labels --db \(manifest.path)"), "\(error)")
        }
        let mapping = try LabelMapping.load(
            yaml: """
                study:
                  groups: [liver, kidney, thyroid, abdomen, chest, soft tissue, nodule, drainage, biopsy]
                  names: { "US THYROID BIOPSY": [thyroid, biopsy] }
                """)
        try manifest.applyLabels(mapping)
        let stored = try manifest.weakLabels()
        XCTAssertEqual(stored.mappingHash, mapping.hash)
        XCTAssertEqual(stored.groupNames.last, "biopsy")
        XCTAssertEqual(stored.count, 11)
        let dataset = try CohortDataset(
            manifest: manifest, split: nil, settings: try PreprocessSettings(height: 8, width: 8),
            labels: stored, cacheRoot: folder.url.appendingPathComponent("cache"),
            datasetStatistics: nil, threads: 1, decoder: SyntheticDecoder(width: 10, height: 10), progress: nil)
        XCTAssertEqual(dataset.labelCount, 11)
        XCTAssertEqual(dataset.samples.first?.labels, [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1])

        // A file indexed after labelling has no stored vector: an error, not a silent zero vector.
        try manifest.insertSynthetic(path: "/late", patientID: "P9", transducer: "L12-5", description: "US THYROID BIOPSY")
        XCTAssertThrowsError(
            try CohortDataset(
                manifest: manifest, split: nil, settings: try PreprocessSettings(height: 8, width: 8),
                labels: stored, cacheRoot: folder.url.appendingPathComponent("cache"),
                datasetStatistics: nil, threads: 1, decoder: SyntheticDecoder(width: 10, height: 10),
                progress: nil)
        ) { error in
            guard case SonoDataError.staleLabels = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("1 image files have no stored label vector"), "\(error)")
        }
    }
}
