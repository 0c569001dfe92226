import Foundation
import Imaging
import TestSupport
import XCTest

@testable import SonoData

/// Frames made up from the file id, counting how often files are decoded.
final class SyntheticDecoder: FrameDecoding, @unchecked Sendable {
    let width: Int, height: Int
    private let lock = NSLock()
    private(set) var decodedFiles = 0
    var failingPaths: Set<String> = []

    init(width: Int = 64, height: Int = 40) { self.width = width; self.height = height }

    static func value(x: Int, y: Int, frame: Int, seed: Int) -> Float {
        Float((x * 7 + y * 3 + frame * 11 + seed * 13) % 256)
    }

    func forEachGrayscaleFrame(of file: FileRecord, indices: [Int], _ body: (Int, GrayImage) throws -> Void) throws {
        lock.lock(); decodedFiles += 1; lock.unlock()
        if failingPaths.contains(file.path) { throw SonoDataError.decode(path: file.path, message: "synthetic failure") }
        let seed = Int(file.id ?? 0)
        for index in indices {
            var pixels = [Float](repeating: 0, count: width * height)
            for y in 0..<height { for x in 0..<width { pixels[y * width + x] = Self.value(x: x, y: y, frame: index, seed: seed) } }
            try body(index, try GrayImage(width: width, height: height, pixels: pixels))
        }
    }
}

final class PreprocessTests: XCTestCase {
    func testAreaResizeAndCropAreHandComputable() throws {
        let settings = try PreprocessSettings(height: 8, width: 16)
        let preprocessor = FramePreprocessor(settings: settings)
        var pixels = [Float](repeating: 0, count: 32 * 16)
        for y in 0..<16 { for x in 0..<32 { pixels[y * 32 + x] = Float(x + 10 * y) } }
        let frame = try GrayImage(width: 32, height: 16, pixels: pixels)
        // Halving both axes: each output is the mean of a 2×2 block.
        let resized = try preprocessor.process(frame, box: CropBox(x0: 0, y0: 0, x1: 32, y1: 16))
        for j in 0..<8 {
            for i in 0..<16 {
                XCTAssertEqual(resized[j * 16 + i], Float(2 * i) + 0.5 + 10 * (Float(2 * j) + 0.5), accuracy: 1e-3)
            }
        }
        // A crop of exactly the output size is copied unchanged.
        let cropped = try preprocessor.process(frame, box: CropBox(x0: 5, y0: 3, x1: 21, y1: 11))
        XCTAssertEqual(cropped[0], 5 + 30)
        XCTAssertEqual(cropped[8 * 16 - 1], 20 + 100)
    }

    func testCropBoxFallsBackToTheWholeFrame() throws {
        let preprocessor = FramePreprocessor(settings: try PreprocessSettings())
        var file = FileRecord(path: "/x", size: 1, mtimeNs: 1, status: .ok)
        XCTAssertEqual(preprocessor.cropBox(for: file, width: 100, height: 80), CropBox(x0: 0, y0: 0, x1: 100, y1: 80))
        file.cropX0 = 10; file.cropY0 = 5; file.cropX1 = 90; file.cropY1 = 200
        XCTAssertEqual(preprocessor.cropBox(for: file, width: 100, height: 80), CropBox(x0: 10, y0: 5, x1: 90, y1: 80))
        file.cropX1 = 12  // two pixels wide: not an image region
        XCTAssertEqual(preprocessor.cropBox(for: file, width: 100, height: 80), CropBox(x0: 0, y0: 0, x1: 100, y1: 80))
    }

    func testWideRangeFramesAreScaledIntoUInt8() throws {
        let preprocessor = FramePreprocessor(settings: try PreprocessSettings(height: 8, width: 8))
        let pixels = (0..<64).map { Float($0 * 100 - 1000) }
        let out = try preprocessor.process(try GrayImage(width: 8, height: 8, pixels: pixels), box: CropBox(x0: 0, y0: 0, x1: 8, y1: 8))
        XCTAssertEqual(out.first, 0)
        XCTAssertEqual(out.last ?? 0, 255, accuracy: 1e-3)
    }

    /// The fast range check answers as the exact min/max scan would, in the 8-wide chunks and in
    /// the tail: out-of-range values, NaN and infinities send a frame to the exact scan.
    func testByteRangeCheckSeesEveryValue() {
        XCTAssertTrue(FramePreprocessor.isWithinByteRange([]))
        for count in [1, 7, 8, 9, 17, 64] {
            let inside = (0..<count).map { Float($0 % 256) }
            XCTAssertTrue(FramePreprocessor.isWithinByteRange(inside), "\(count) values in range")
            for position in Set([0, count / 2, count - 1]) {
                for odd: Float in [-0.001, 255.001, .nan, .infinity, -.infinity] {
                    var values = inside
                    values[position] = odd
                    XCTAssertFalse(FramePreprocessor.isWithinByteRange(values), "\(odd) at \(position) of \(count)")
                }
            }
        }
        XCTAssertTrue(FramePreprocessor.isWithinByteRange([0, 255, -0.0]))
    }

    /// A box that is the whole frame (no copy made) gives what the copying path gives for the
    /// same pixels inside a wider frame.
    func testWholeFrameBoxMatchesTheCroppedPath() throws {
        let preprocessor = FramePreprocessor(settings: try PreprocessSettings(height: 24, width: 40))
        let pixels = (0..<(30 * 20)).map { Float(($0 * 37) % 256) }
        let frame = try GrayImage(width: 30, height: 20, pixels: pixels)
        let whole = try preprocessor.process(frame, box: CropBox(x0: 0, y0: 0, x1: 30, y1: 20))
        var wider: [Float] = []
        for y in 0..<20 {
            wider += pixels[(y * 30)..<(y * 30 + 30)]
            wider.append(999)
        }
        let padded = try GrayImage(width: 31, height: 20, pixels: wider)
        let cropped = try preprocessor.process(padded, box: CropBox(x0: 0, y0: 0, x1: 30, y1: 20))
        XCTAssertEqual(whole, cropped)
    }

    private func cohort(files: Int, framesEach: Int = 1) throws -> (TemporaryFolder, ManifestDatabase) {
        let folder = try TemporaryFolder()
        let manifest = try ManifestDatabase(path: folder.file("m.sqlite"), createIfMissing: true)
        for i in 0..<files {
            let id = try manifest.insertSynthetic(
                path: "/f\(i)", patientID: "P\(i % 5)", transducer: i % 2 == 0 ? "SC6-1" : "SL10-2",
                description: "US THYROID BIOPSY")
            try manifest.pool.write { try $0.execute(sql: "UPDATE files SET frames = ? WHERE id = ?", arguments: [framesEach, id]) }
        }
        return (folder, manifest)
    }

    func testCacheIsBuiltOnceAndRebuiltWhenSettingsChange() throws {
        let (folder, manifest) = try cohort(files: 6, framesEach: 3)
        let decoder = SyntheticDecoder()
        let settings = try PreprocessSettings(height: 20, width: 32, frames: .stride(2))
        let root = folder.url.appendingPathComponent("cache")
        let first = try CohortDataset(
            manifest: manifest, split: nil, settings: settings, labels: try manifest.paperLabels(), cacheRoot: root,
            datasetStatistics: nil, threads: 2, decoder: decoder, progress: nil)
        XCTAssertEqual(first.count, 12)  // frames 0 and 2 of each file
        XCTAssertEqual(decoder.decodedFiles, 6)
        // Same settings: nothing decoded again, same samples and values.
        let again = try CohortDataset(
            manifest: manifest, split: nil, settings: settings, labels: try manifest.paperLabels(), cacheRoot: root,
            datasetStatistics: nil, threads: 2, decoder: decoder, progress: nil)
        XCTAssertEqual(decoder.decodedFiles, 6)
        XCTAssertEqual(again.samples, first.samples)
        XCTAssertEqual(again.normalisedImage(at: 5), first.normalisedImage(at: 5))
        // Stored values are the 2×2 block means of the synthetic frame, rounded to uint8.
        var stored = [Float](repeating: 0, count: 20 * 32)
        stored.withUnsafeMutableBufferPointer { again.cache.readPixels(again.samples[1].entry, into: $0.baseAddress!) }
        let sample = again.samples[1]
        let expected =
            (SyntheticDecoder.value(x: 2, y: 4, frame: sample.frame, seed: Int(sample.fileId))
                + SyntheticDecoder.value(x: 3, y: 4, frame: sample.frame, seed: Int(sample.fileId))
                + SyntheticDecoder.value(x: 2, y: 5, frame: sample.frame, seed: Int(sample.fileId))
                + SyntheticDecoder.value(x: 3, y: 5, frame: sample.frame, seed: Int(sample.fileId))) / 4
        XCTAssertEqual(stored[2 * 32 + 1], expected.rounded(), accuracy: 1)
        // Other settings: a separate cache, decoded again.
        let other = try CohortDataset(
            manifest: manifest, split: nil, settings: try PreprocessSettings(height: 20, width: 30, frames: .first),
            labels: try manifest.paperLabels(), cacheRoot: root, datasetStatistics: nil, threads: 2, decoder: decoder, progress: nil)
        XCTAssertEqual(other.count, 6)
        XCTAssertEqual(decoder.decodedFiles, 12)
        XCTAssertNotEqual(other.cache.directory, first.cache.directory)
    }

    func testFailedFilesAreReportedNotFatal() throws {
        let (folder, manifest) = try cohort(files: 4)
        let decoder = SyntheticDecoder()
        decoder.failingPaths = ["/f2"]
        let dataset = try CohortDataset(
            manifest: manifest, split: nil, settings: try PreprocessSettings(height: 16, width: 16),
            labels: try manifest.paperLabels(), cacheRoot: folder.url.appendingPathComponent("c"),
            datasetStatistics: nil, threads: 2, decoder: decoder, progress: nil)
        XCTAssertEqual(dataset.count, 3)
        XCTAssertEqual(dataset.failedFiles.map(\.path), ["/f2"])
        XCTAssertTrue(dataset.failedFiles[0].message.contains("synthetic failure"))
    }

    func testInterruptedShardIsDiscarded() throws {
        let folder = try TemporaryFolder()
        let settings = try PreprocessSettings(height: 8, width: 8)
        let cache = try ImageCache(root: folder.url, settings: settings)
        try cache.appendShard([(fileId: 1, frame: 0, pixels: [Float](repeating: 9, count: 64))], failures: [])
        // A data file without its index, as a crash between the two renames would leave.
        try Data(count: 64).write(to: cache.directory.appendingPathComponent("shard-00001.bin"))
        let reopened = try ImageCache(root: folder.url, settings: settings)
        XCTAssertEqual(reopened.entries.count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.directory.appendingPathComponent("shard-00001.bin").path))
        XCTAssertEqual(reopened.entry(fileId: 1, frame: 0)?.mean, 9)
    }

    func testFloat16StorageAndNormalisation() throws {
        let (folder, manifest) = try cohort(files: 3)
        let settings = try PreprocessSettings(height: 10, width: 16, storage: .float16)
        let dataset = try CohortDataset(
            manifest: manifest, split: nil, settings: settings, labels: try manifest.paperLabels(),
            cacheRoot: folder.url, datasetStatistics: nil, threads: 1, decoder: SyntheticDecoder(), progress: nil)
        let image = dataset.normalisedImage(at: 0)
        let mean = image.reduce(0, +) / Float(image.count)
        let variance = image.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(image.count)
        XCTAssertEqual(mean, 0, accuracy: 1e-3)
        XCTAssertEqual(variance, 1, accuracy: 1e-2)
        XCTAssertEqual(dataset.samples[0].labels, [0, 1, 0, 0, 1, 0, 0, 0, 1, 0])
        var datasetSettings = settings
        datasetSettings.normalisation = .dataset
        let pooled = try CohortDataset(
            manifest: manifest, split: nil, settings: datasetSettings, labels: try manifest.paperLabels(), cacheRoot: folder.url,
            datasetStatistics: NormalisationStatistics(mean: 100, std: 50), threads: 1, decoder: SyntheticDecoder(), progress: nil)
        var raw = [Float](repeating: 0, count: 160)
        raw.withUnsafeMutableBufferPointer { pooled.cache.readPixels(pooled.samples[0].entry, into: $0.baseAddress!) }
        XCTAssertEqual(pooled.normalisedImage(at: 0)[7], (raw[7] - 100) / 50, accuracy: 1e-5)
    }
}
