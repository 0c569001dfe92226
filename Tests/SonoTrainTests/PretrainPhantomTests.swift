import Foundation
import SonoData
import SonoPhantom
import SonoTrainTestSupport
import TestSupport
import XCTest

@testable import SonoTrain

/// End to end on DICOM: a 40-image phantom archive → index → patient split → 2 epochs of CE+DCM
/// pretraining at 64×96 → checkpoints and an exported encoder.
final class PretrainPhantomTests: XCTestCase {
    /// A 40-image phantom archive under `root`, indexed and split by patient; returns the manifest path.
    static func makeCohort(in root: URL) throws -> String {
        var options = PhantomOptions()
        options.patients = 10
        options.studiesPerPatient = 1...1
        options.seriesPerStudy = 1...1
        options.imagesPerSeries = 4...4
        options.cineFraction = 0
        options.rows = 96
        options.columns = 144
        options.downstream = nil
        options.seed = 21
        options.threads = 2
        // Encodings the DICOM reader decodes by itself (JPEG comes through DICOMCodecs).
        options.encodingWeights = [.nativeRGB: 0.4, .rle: 0.3, .nativeMonochrome: 0.3]
        let summary = try PhantomGenerator.generate(options, into: root.appendingPathComponent("archive"))
        XCTAssertEqual(summary.counts.instances, 40)

        let db = root.appendingPathComponent("cohort.sqlite").path
        let manifest = try ManifestDatabase(path: db, createIfMissing: true)
        _ = try Crawler(manifest: manifest, key: .random(), options: CrawlOptions(threads: 2)).run(
            root: root.appendingPathComponent("archive").path)
        _ = try manifest.assignSplit(try SplitSettings(valShare: 0.2, seed: 3))
        return db
    }

    func testTwoEpochsOnAFortyImagePhantomCohort() throws {
        let root = try temporaryFolder("phantom")
        let db = try Self.makeCohort(in: root)
        let manifest = try ManifestDatabase(path: db)
        try manifest.applyLabels(.paperDefault())

        var config = tinyConfig(epochs: 2, batchSize: 8)
        config.gridImages = 3
        let (train, validation) = try openCohort(db: db, config: config)
        let splitSummary = try manifest.splitSummary()
        XCTAssertEqual(
            train.imageCount + validation.imageCount, 40,
            "failed: \(train.dataset.failedFiles.map(\.message)) \(validation.dataset.failedFiles.map(\.message)); split: \(splitSummary)")
        XCTAssertEqual(train.labelCount, 10)
        // What the trainer receives as tensors is the loader's arrays, batch by batch, cut at `limit`.
        let loader = BatchLoader(dataset: validation.dataset, batchSize: 3, shuffle: false, augment: nil, threads: 1)
        let expected = try loader.epoch(0).map { try $0.get() }
        let pixels = config.height * config.width
        var images: [Float] = [], labels: [Float] = [], shapes: [[Int]] = []
        try validation.forEachBatch(epoch: 0, batchSize: 3, seed: 0, shuffled: false, limit: 4, dropIncomplete: false) { batch in
            shapes.append(batch.images.shape)
            XCTAssertEqual(batch.labels.shape, [batch.images.shape[0], 10])
            images += try batch.images.toArray(of: Float.self)
            labels += try batch.labels.toArray(of: Float.self)
        }
        XCTAssertEqual(shapes, [[3, 1, config.height, config.width], [1, 1, config.height, config.width]])
        XCTAssertEqual(images, Array(expected.flatMap(\.images).prefix(4 * pixels)))
        XCTAssertEqual(labels, Array(expected.flatMap(\.labels).prefix(4 * 10)))
        let run = root.appendingPathComponent("run")
        let result = try pretrain(
            config: config, train: train, validation: validation, runDirectory: run,
            progress: ProgressReporter(style: .silent))
        XCTAssertEqual(result.epochsCompleted, 2)
        XCTAssertTrue(result.bestValidationLoss.isFinite)
        let layout = PretrainRunLayout(run)
        let (checkpoint, _) = try PretrainCheckpoint.read(layout.lastCheckpoint)
        XCTAssertEqual(checkpoint.labelMappingHash, LabelMapping.paperDefault().hash)
        XCTAssertEqual(checkpoint.globalStep, 2 * (train.imageCount / 8))
        XCTAssertTrue(FileManager.default.fileExists(atPath: layout.grid(epoch: 2).path))
    }
}
