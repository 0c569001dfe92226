import Foundation
import TestSupport
import XCTest

@testable import SonoData

final class LoaderTests: XCTestCase {
    private func dataset(_ folder: TemporaryFolder, files: Int) throws -> CohortDataset {
        let manifest = try ManifestDatabase(path: folder.file("m.sqlite"), createIfMissing: true)
        for i in 0..<files {
            try manifest.insertSynthetic(
                path: "/f\(i)", patientID: "P\(i)", transducer: i % 3 == 0 ? "L12-5" : "C5-1",
                description: i % 2 == 0 ? "US THYROID BIOPSY" : "US DRAINAGE LIVER")
        }
        try manifest.assignSplit(try SplitSettings(valShare: 0.25, seed: 4))
        return try CohortDataset(
            manifest: manifest, split: .train, settings: try PreprocessSettings(height: 16, width: 24),
            labels: try manifest.paperLabels(), cacheRoot: folder.url.appendingPathComponent("cache"),
            datasetStatistics: nil, threads: 2, decoder: SyntheticDecoder(width: 30, height: 20), progress: nil)
    }

    private func epoch(_ loader: BatchLoader, _ number: Int) throws -> [(images: [Float], labels: [Float], ids: [Int64], shape: [Int])] {
        try loader.epoch(number).map { result in
            let batch = try result.get()
            return (batch.images, batch.labels, batch.ids, batch.imageShape)
        }
    }

    /// Same seed → the same batches, whatever the number of worker threads and prefetch depth.
    func testEpochsAreDeterministicAcrossThreadCounts() throws {
        let folder = try TemporaryFolder()
        let data = try dataset(folder, files: 40)
        XCTAssertEqual(data.count, 30)
        let augment = AugmentationSettings(intensityJitter: 0.1)
        let one = BatchLoader(dataset: data, batchSize: 8, shuffle: true, seed: 11, augment: augment, threads: 1, prefetch: 1)
        let many = BatchLoader(dataset: data, batchSize: 8, shuffle: true, seed: 11, augment: augment, threads: 4, prefetch: 3)
        for number in 0..<2 {
            let a = try epoch(one, number), b = try epoch(many, number)
            XCTAssertEqual(a.count, 4)
            XCTAssertEqual(a.map(\.shape), [[8, 1, 16, 24], [8, 1, 16, 24], [8, 1, 16, 24], [6, 1, 16, 24]])
            XCTAssertEqual(a.map(\.images), b.map(\.images))
            XCTAssertEqual(a.map(\.labels), b.map(\.labels))
            XCTAssertEqual(a.map(\.ids), b.map(\.ids))
            // Every training sample exactly once per epoch.
            XCTAssertEqual(a.flatMap(\.ids).sorted(), data.samples.map(\.fileId).sorted())
        }
        let other = BatchLoader(dataset: data, batchSize: 8, shuffle: true, seed: 12, augment: augment)
        XCTAssertNotEqual(try epoch(other, 0).map(\.ids), try epoch(one, 0).map(\.ids))
    }

    /// Data-parallel shards: concatenated, the shards of every batch are that batch exactly,
    /// augmentation included (each sample's draw is keyed by its global position).
    func testShardsOfEveryBatchMakeTheWholeBatch() throws {
        let folder = try TemporaryFolder()
        let data = try dataset(folder, files: 40)
        let whole = BatchLoader(dataset: data, batchSize: 8, shuffle: true, seed: 5, augment: .paper, threads: 2)
        let shards = (0..<3).map { index -> BatchLoader in
            let loader = BatchLoader(dataset: data, batchSize: 8, shuffle: true, seed: 5, augment: .paper, threads: 2)
            loader.shard = (index, 3)
            return loader
        }
        let expected = try epoch(whole, 1)
        let parts = try shards.map { try epoch($0, 1) }
        XCTAssertEqual(parts.map(\.count), [4, 4, 4])
        for (b, batch) in expected.enumerated() {
            XCTAssertEqual(parts.flatMap { $0[b].ids }, batch.ids)
            XCTAssertEqual(parts.flatMap { $0[b].images }, batch.images)
            XCTAssertEqual(parts.flatMap { $0[b].labels }, batch.labels)
        }
    }

    func testLabelsFollowTheMapping() throws {
        let folder = try TemporaryFolder()
        let data = try dataset(folder, files: 12)
        let loader = BatchLoader(dataset: data, batchSize: 4, shuffle: false, augment: nil, dropLast: true)
        for result in loader.epoch(0) {
            let batch = try result.get()
            XCTAssertEqual(batch.labelShape, [4, 10])
            XCTAssertEqual(batch.labels.count, 4 * 10)
            let labels = batch.labels
            for (row, id) in batch.ids.enumerated() {
                let file = try XCTUnwrap(data.samples.first { $0.fileId == id })
                XCTAssertEqual(Array(labels[(row * 10)..<(row * 10 + 10)]), file.labels)
            }
            // No augmentation: each image is its z-scored cache entry.
            let images = batch.images
            let index = try XCTUnwrap(data.samples.firstIndex { $0.fileId == batch.ids[0] })
            XCTAssertEqual(Array(images[0..<(16 * 24)]), data.normalisedImage(at: index))
        }
    }

    /// Dropping an iterator after one batch stops its workers (the test would hang otherwise).
    func testAbandonedEpochStopsItsWorkers() throws {
        let folder = try TemporaryFolder()
        let data = try dataset(folder, files: 40)
        let loader = BatchLoader(dataset: data, batchSize: 2, augment: .paper, threads: 3, prefetch: 2)
        for _ in 0..<20 {
            let iterator = loader.epoch(0)
            XCTAssertNotNil(try iterator.next()?.get())
        }
    }
}
