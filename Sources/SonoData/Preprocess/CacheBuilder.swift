import Foundation
import Imaging
import SonoParallel

/// Progress of a cache build.
public struct CacheBuildProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var samplesWritten: Int
    public var failures: Int
}

extension ImageCache {
    /// Decodes and preprocesses every selected frame of `files` that the cache lacks (see the
    /// public `build(files:threads:samplesPerShard:progress:)`), with `decoder`.
    func build(
        files: [FileRecord], decoder: FrameDecoding, threads: Int, samplesPerShard: Int,
        progress: ((CacheBuildProgress) -> Void)?
    ) throws {
        let preprocessor = FramePreprocessor(settings: settings)
        let pending = files.filter { file in
            guard let id = file.id, failures[id] == nil else { return false }
            let views = preprocessor.viewCount(for: file)
            return settings.frameIndices(count: file.frames ?? 1).contains { frame in
                (0..<views).contains { !contains(fileId: id, frame: frame, view: $0) }
            }
        }
        var state = CacheBuildProgress(filesDone: 0, filesTotal: pending.count, samplesWritten: 0, failures: 0)
        for part in Self.chunks(pending, samplesPerShard: max(1, samplesPerShard), preprocessor: preprocessor) {
            // Per-file results: one file's failure is recorded, the others carry on.
            let results = try parallelMap(part.count, threads: threads) { i in
                Result { try Self.samples(of: part[i], decoder: decoder, preprocessor: preprocessor) }
            }
            var samples: [(fileId: Int64, frame: Int, view: Int, pixels: [Float])] = []
            var failed: [(fileId: Int64, message: String)] = []
            for (i, result) in results.enumerated() {
                guard let id = part[i].id else { continue }
                switch result {
                case .success(let frames):
                    for (frame, view, pixels) in frames where !contains(fileId: id, frame: frame, view: view) {
                        samples.append((id, frame, view, pixels))
                    }
                case .failure(let error):
                    failed.append((id, "\(error)"))
                }
            }
            try appendShard(samples, failures: failed)
            state.filesDone += part.count
            state.samplesWritten += samples.count
            state.failures += failed.count
            progress?(state)
        }
    }

    /// Consecutive groups of files holding about `samplesPerShard` samples (a long cine alone).
    static func chunks(_ files: [FileRecord], samplesPerShard: Int, preprocessor: FramePreprocessor) -> [[FileRecord]] {
        var result: [[FileRecord]] = [], current: [FileRecord] = [], samples = 0
        for file in files {
            let n = preprocessor.settings.frameIndices(count: file.frames ?? 1).count * preprocessor.viewCount(for: file)
            if !current.isEmpty, samples + n > samplesPerShard {
                result.append(current)
                current = []
                samples = 0
            }
            current.append(file)
            samples += n
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    private static func samples(of file: FileRecord, decoder: FrameDecoding, preprocessor: FramePreprocessor) throws -> [(
        Int, Int, [Float]
    )] {
        let indices = preprocessor.settings.frameIndices(count: file.frames ?? 1)
        var result: [(Int, Int, [Float])] = []
        var decoded = 0
        try decoder.forEachGrayscaleFrame(of: file, indices: indices) { index, frame in
            for (view, part) in preprocessor.views(for: file, width: frame.width, height: frame.height).enumerated() {
                result.append((index, view, try preprocessor.process(frame, view: part)))
            }
            decoded += 1
        }
        guard decoded == indices.count else {
            throw SonoDataError.decode(path: file.path, message: "decoded \(decoded) frames, expected \(indices.count)")
        }
        return result
    }
}
