import Foundation

/// Mean and standard deviation used for dataset-level z-scoring.
public struct NormalisationStatistics: Sendable, Equatable, Codable {
    public var mean: Float
    public var std: Float
    public init(mean: Float, std: Float) { self.mean = mean; self.std = std }
}

/// The preprocessed images of one split with their weak labels: what pretraining iterates.
///
/// The labels are the vectors `sonotag labels` stored in the manifest (`StoredLabels`), never
/// recomputed here, so training sees exactly what the labelling report described. Without
/// labels (building a cache), every sample's label vector is empty.
///
/// Opening a dataset builds whatever part of the cache is missing (decoding each frame once);
/// later opens with the same preprocessing settings only map the cache.
public final class CohortDataset: @unchecked Sendable {
    public struct Sample: Sendable, Equatable {
        public var fileId: Int64
        public var frame: Int
        /// Which 2D tissue region of the frame (`PreprocessSettings.splitViews`); 0 otherwise.
        public var view: Int = 0
        public var entry: CacheEntry
        public var labels: [Float]
    }

    public let manifest: ManifestDatabase
    public let split: SplitName?
    public let settings: PreprocessSettings
    /// The manifest's stored labels this dataset carries; nil for an unlabelled dataset.
    public let labels: StoredLabels?
    public let cache: ImageCache
    public let samples: [Sample]
    /// Statistics of this dataset's stored values (pooled over its images).
    public let statistics: NormalisationStatistics
    /// The statistics used when `settings.normalisation == .dataset` (this dataset's own unless
    /// given, e.g. the training split's for validation).
    public let normalisationStatistics: NormalisationStatistics
    /// Files of this split that could not be decoded, with the reason.
    public let failedFiles: [(path: String, message: String)]
    /// The image kinds used (nil: every kind).
    public let kinds: [ImageKind]?
    /// Frames of this split left out because their instance is of another kind.
    public let excludedFramesByKind: [ImageKind: Int]
    /// Files resized plainly although `settings.millimetresPerPixel` asked for a physical scale:
    /// their region has no Physical Delta X/Y in cm (0 when no scale was asked for).
    public let unscaledFiles: Int

    public var count: Int { samples.count }
    public var labelCount: Int { labels?.count ?? 0 }
    public var groupNames: [String] { labels?.groupNames ?? [] }
    public var height: Int { settings.height }
    public var width: Int { settings.width }

    init(
        manifest: ManifestDatabase, split: SplitName?, settings: PreprocessSettings, labels: StoredLabels?, kinds: [ImageKind]? = nil,
        cacheRoot: URL?, datasetStatistics: NormalisationStatistics?, threads: Int, decoder: FrameDecoding,
        progress: ((CacheBuildProgress) -> Void)?
    ) throws {
        self.manifest = manifest
        self.split = split
        self.settings = settings
        self.labels = labels
        self.kinds = kinds
        var files: [FileRecord]
        if let split {
            guard try !manifest.splitSummary().patients.isEmpty else {
                throw SonoDataError.emptyDataset("the manifest has no split yet; run `sonotag split --db \(manifest.path)`")
            }
            files = try manifest.files(in: split)
        } else {
            files = try manifest.files(status: .ok)
        }
        var excluded: [ImageKind: Int] = [:]
        if let kinds {
            let unclassified = files.filter { $0.imageKind == nil }.count
            if unclassified > 0 {
                throw SonoDataError.staleManifest(
                    path: manifest.path,
                    message:
                        "\(unclassified) images were indexed before image kinds existed; rerun `sonotag index` on the archive (it re-reads only those) or pass --kinds all"
                )
            }
            files = files.filter { file in
                guard let kind = file.imageKind, !kinds.contains(kind) else { return true }
                excluded[kind, default: 0] += settings.frameIndices(count: file.frames ?? 1).count
                return false
            }
        }
        excludedFramesByKind = excluded
        let root = cacheRoot ?? Self.defaultCacheRoot(forManifest: manifest.path)
        cache = try ImageCache(root: root, settings: settings)
        try cache.build(files: files, decoder: decoder, threads: threads, samplesPerShard: 512, progress: progress)

        let preprocessor = FramePreprocessor(settings: settings)
        unscaledFiles = files.filter(preprocessor.lacksSpacing).count
        var samples: [Sample] = []
        var failed: [(String, String)] = []
        var unlabelled = 0
        for file in files {
            guard let id = file.id else { continue }
            if let message = cache.failures[id] {
                failed.append((file.path, message))
                continue
            }
            let y: [Float]
            if let labels {
                guard let stored = labels.vectors[id] else {
                    unlabelled += 1
                    continue
                }
                y = stored
            } else {
                y = []
            }
            let views = preprocessor.viewCount(for: file)
            for frame in settings.frameIndices(count: file.frames ?? 1) {
                for view in 0..<views {
                    if let entry = cache.entry(fileId: id, frame: frame, view: view) {
                        samples.append(Sample(fileId: id, frame: frame, view: view, entry: entry, labels: y))
                    }
                }
            }
        }
        guard unlabelled == 0 else {
            throw SonoDataError.staleLabels(
                manifest: manifest.path,
                reason: "\(unlabelled) image files have no stored label vector, e.g. indexed after labelling")
        }
        self.samples = samples
        failedFiles = failed
        // Pooled over equally sized images: mean of means, and E[x²] − mean².
        var meanSum = 0.0, squareSum = 0.0
        for sample in samples {
            let m = Double(sample.entry.mean), s = Double(sample.entry.std)
            meanSum += m
            squareSum += s * s + m * m
        }
        let n = Double(max(samples.count, 1))
        let mean = meanSum / n
        statistics = NormalisationStatistics(mean: Float(mean), std: Float(max(0, squareSum / n - mean * mean).squareRoot()))
        normalisationStatistics = datasetStatistics ?? statistics
    }

    /// One line for logs: which kinds were used and how many frames of other kinds were left out.
    public var kindSummary: String {
        let used = kinds.map(ImageKind.listText) ?? "all"
        let excluded = ImageKind.allCases.compactMap { kind in excludedFramesByKind[kind].map { "\(kind.rawValue) \($0)" } }
        let total = excludedFramesByKind.values.reduce(0, +)
        return "image kinds \(used): \(count) frames used (\(split?.rawValue ?? "all")), \(total) frames of other kinds excluded"
            + (excluded.isEmpty ? "" : " (" + excluded.joined(separator: ", ") + ")")
    }

    /// One line for logs when a physical scale was asked for, else nil: how many images could
    /// not be brought to it.
    public var scaleSummary: String? {
        guard let mm = settings.millimetresPerPixel else { return nil }
        let files = unscaledFiles == 1 ? "1 image" : "\(unscaledFiles) images"
        return "physical scale \(mm) mm per pixel"
            + (unscaledFiles == 0 ? "" : "; warning: \(files) without a Physical Delta X/Y in cm, resized plainly")
    }

    /// `cohort.sqlite` → `cohort.cache` in the same folder.
    public static func defaultCacheRoot(forManifest path: String) -> URL {
        let url = URL(fileURLWithPath: path)
        return url.deletingPathExtension().appendingPathExtension("cache")
    }

    /// Writes sample `index`, z-scored, into `output` (`height × width` values).
    public func normalisedImage(at index: Int, into output: UnsafeMutablePointer<Float>) {
        let sample = samples[index]
        cache.readPixels(sample.entry, into: output)
        let mean: Float, std: Float
        switch settings.normalisation {
        case .perImage: mean = sample.entry.mean; std = sample.entry.std
        case .dataset: mean = normalisationStatistics.mean; std = normalisationStatistics.std
        }
        // A constant image (std 0) becomes all zeros rather than NaN.
        let scale: Float = std > 1e-6 ? 1 / std : 0
        for i in 0..<settings.pixelsPerSample { output[i] = (output[i] - mean) * scale }
    }

    /// Sample `index` as an array (for inspection and tests).
    public func normalisedImage(at index: Int) -> [Float] {
        var values = [Float](repeating: 0, count: settings.pixelsPerSample)
        values.withUnsafeMutableBufferPointer { normalisedImage(at: index, into: $0.baseAddress!) }
        return values
    }
}
