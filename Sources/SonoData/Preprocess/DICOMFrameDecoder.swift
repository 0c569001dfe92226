import DICOM
import Foundation
import Imaging

/// Decodes manifest files with the DICOM module's grayscale view, scaled to 0…255 so 8-bit
/// ultrasound is stored exactly in uint8 caches.
struct DICOMFrameDecoder: FrameDecoding {
    func forEachGrayscaleFrame(of file: FileRecord, indices: [Int], _ body: (Int, GrayImage) throws -> Void) throws {
        guard let stamp = Crawler.stamp(of: file.path) else {
            throw SonoDataError.decode(path: file.path, message: "file is gone; rerun `sonotag index`")
        }
        guard stamp == FileStamp(size: file.size, mtimeNs: file.mtimeNs) else {
            throw SonoDataError.decode(path: file.path, message: "file changed since it was indexed; rerun `sonotag index`")
        }
        let dicom: DICOMFile
        do {
            dicom = try DICOMFile(path: file.path, mode: .full)
        } catch {
            throw SonoDataError.decode(path: file.path, message: "\(error)")
        }
        for index in indices {
            do {
                let gray = try dicom.grayscaleFrame(index)
                let image = try GrayImage(width: gray.columns, height: gray.rows, pixels: gray.pixels.map { $0 * 255 })
                try body(index, image)
            } catch let error as SonoDataError {
                throw error
            } catch {
                throw SonoDataError.decode(path: file.path, message: "frame \(index): \(error)")
            }
        }
    }
}

extension ImageCache {
    /// Decodes and preprocesses every selected frame of `files` that the cache lacks, on
    /// `threads` cores, about `samplesPerShard` samples per shard. Files that fail to decode are
    /// recorded as failures (and reported), never retried in the same cache.
    public func build(files: [FileRecord], threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                      samplesPerShard: Int = 512, progress: ((CacheBuildProgress) -> Void)? = nil) throws {
        try build(files: files, decoder: DICOMFrameDecoder(), threads: threads, samplesPerShard: samplesPerShard, progress: progress)
    }
}

extension CohortDataset {
    /// Opens (building what is missing of) the cached images of `split`.
    /// - Parameters:
    ///   - split: a stored patient split, or nil for every `ok` file.
    ///   - cacheRoot: where preprocessed shards live; default `<manifest>.cache` beside it.
    ///   - kinds: the image kinds to use (nil: all); pretraining uses `ImageKind.pretrainingDefault`.
    ///   - datasetStatistics: for `.dataset` normalisation, e.g. the training split's
    ///     `statistics` when opening validation; default this dataset's own.
    public convenience init(manifest: ManifestDatabase, split: SplitName? = .train, settings: PreprocessSettings,
                            labels: LabelMapping = .paperDefault(), kinds: [ImageKind]? = nil, cacheRoot: URL? = nil,
                            datasetStatistics: NormalisationStatistics? = nil,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                            progress: ((CacheBuildProgress) -> Void)? = nil) throws {
        try self.init(manifest: manifest, split: split, settings: settings, labels: labels, kinds: kinds, cacheRoot: cacheRoot,
                      datasetStatistics: datasetStatistics, threads: threads, decoder: DICOMFrameDecoder(), progress: progress)
    }

    /// Opens the manifest at `db` first.
    public convenience init(db: String, split: SplitName? = .train, settings: PreprocessSettings,
                            labels: LabelMapping = .paperDefault(), cacheRoot: URL? = nil,
                            datasetStatistics: NormalisationStatistics? = nil) throws {
        try self.init(manifest: try ManifestDatabase(path: db), split: split, settings: settings, labels: labels,
                      cacheRoot: cacheRoot, datasetStatistics: datasetStatistics)
    }
}
