import DICOM
import Foundation
import Imaging

/// Decodes manifest files with the DICOM module's grayscale view, scaled to 0…255 so 8-bit
/// ultrasound is stored exactly in uint8 caches.
struct DICOMFrameDecoder: FrameDecoding {
    /// The manifest's archive root, which file paths are relative to (nil: paths are absolute).
    var archiveRoot: String?

    func forEachGrayscaleFrame(of file: FileRecord, indices: [Int], _ body: (Int, GrayImage) throws -> Void) throws {
        let location = archiveRoot.map { ManifestDatabase.resolve(file.path, root: $0) } ?? file.path
        guard let stamp = Crawler.stamp(of: location) else {
            throw SonoDataError.decode(path: location, message: "file is gone; rerun `sonotag index`")
        }
        guard stamp == FileStamp(size: file.size, mtimeNs: file.mtimeNs) else {
            throw SonoDataError.decode(path: location, message: "file changed since it was indexed; rerun `sonotag index`")
        }
        let dicom: DICOMFile
        do {
            dicom = try DICOMFile(path: location, mode: .full)
        } catch {
            throw SonoDataError.decode(path: location, message: "\(error)")
        }
        for index in indices {
            do {
                let gray = try dicom.grayscaleFrame(index)
                let image = try FramePipeline.cacheImage(gray)
                try body(index, image)
            } catch let error as SonoDataError {
                throw error
            } catch {
                throw SonoDataError.decode(path: location, message: "frame \(index): \(error)")
            }
        }
    }
}

extension ImageCache {
    /// Decodes and preprocesses every selected frame of `files` that the cache lacks, on
    /// `threads` cores, about `samplesPerShard` samples per shard. Files that fail to decode are
    /// recorded as failures (and reported), never retried in the same cache. `archiveRoot` is the
    /// manifest's (`ManifestDatabase.archiveRoot()`), which the files' paths are relative to.
    public func build(
        files: [FileRecord], archiveRoot: String?, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        samplesPerShard: Int = 512, progress: ((CacheBuildProgress) -> Void)? = nil
    ) throws {
        try build(
            files: files, decoder: DICOMFrameDecoder(archiveRoot: archiveRoot), threads: threads, samplesPerShard: samplesPerShard,
            progress: progress)
    }
}

extension CohortDataset {
    /// Opens (building what is missing of) the cached images of `split`.
    /// - Parameters:
    ///   - split: a stored patient split, or nil for every `ok` file.
    ///   - labels: the manifest's `weakLabels()`; nil opens the images without labels.
    ///   - cacheRoot: where preprocessed shards live; default `<manifest>.cache` beside it.
    ///   - kinds: the image kinds to use (nil: all); pretraining uses `ImageKind.pretrainingDefault`.
    ///   - datasetStatistics: for `.dataset` normalisation, e.g. the training split's
    ///     `statistics` when opening validation; default this dataset's own.
    public convenience init(
        manifest: ManifestDatabase, split: SplitName? = .train, settings: PreprocessSettings,
        labels: StoredLabels? = nil, kinds: [ImageKind]? = nil, cacheRoot: URL? = nil,
        datasetStatistics: NormalisationStatistics? = nil,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: ((CacheBuildProgress) -> Void)? = nil
    ) throws {
        try self.init(
            manifest: manifest, split: split, settings: settings, labels: labels, kinds: kinds, cacheRoot: cacheRoot,
            datasetStatistics: datasetStatistics, threads: threads,
            decoder: DICOMFrameDecoder(archiveRoot: try manifest.archiveRoot()), progress: progress)
    }

    /// Opens the manifest at `db` first.
    public convenience init(
        db: String, split: SplitName? = .train, settings: PreprocessSettings,
        labels: StoredLabels? = nil, cacheRoot: URL? = nil,
        datasetStatistics: NormalisationStatistics? = nil
    ) throws {
        try self.init(
            manifest: try ManifestDatabase(path: db), split: split, settings: settings, labels: labels,
            cacheRoot: cacheRoot, datasetStatistics: datasetStatistics)
    }
}
