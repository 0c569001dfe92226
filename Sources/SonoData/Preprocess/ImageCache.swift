import Foundation
import SonoSupport

/// One preprocessed sample's place in the cache.
public struct CacheEntry: Sendable, Equatable {
    public var fileId: Int64
    public var frameIndex: Int32
    public var shard: Int32
    /// Position inside the shard, in samples.
    public var slot: Int32
    /// Mean and standard deviation of the stored values (for per-image z-scoring).
    public var mean: Float
    public var std: Float
    /// Which 2D tissue region of the frame (`PreprocessSettings.splitViews`); 0 otherwise.
    public var view: Int32 = 0
}

/// The preprocessed-image cache: shards of fixed-size samples (uint8 or float16), memory-mapped,
/// in a folder named after `PreprocessSettings.cacheKey`, so different settings never share or
/// overwrite samples.
///
/// Layout: `shard-NNNNN.bin` (samples back to back) and `shard-NNNNN.idx` (one 32-byte record per
/// sample, plus failures). A shard counts once its `.idx` exists; both are written to temporary
/// names and renamed, data first, so an interrupted build leaves only whole shards.
public final class ImageCache: @unchecked Sendable {
    public let directory: URL
    public let settings: PreprocessSettings
    public private(set) var entries: [CacheEntry] = []
    /// Samples that could not be decoded: `(file id, frame)` → message. Never retried in place.
    public private(set) var failures: [Int64: String] = [:]
    private var shards: [MappedFile] = []
    private var lookup: [SampleKey: Int] = [:]

    struct SampleKey: Hashable { var fileId: Int64; var frame: Int32; var view: Int32 = 0 }

    static let indexMagic: [UInt8] = Array("SONOIDX1".utf8)
    /// Records with a view number after the frame: written by caches that split views (their
    /// own folder, by the settings key), so every other cache stays byte for byte as before.
    static let viewIndexMagic: [UInt8] = Array("SONOIDX2".utf8)

    /// Opens the cache for `settings` under `root` (created if missing), reading the shards
    /// already complete.
    public init(root: URL, settings: PreprocessSettings) throws {
        self.settings = settings
        directory = root.appendingPathComponent(settings.cacheKey, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SonoDataError.cache(path: directory.path, message: "cannot create: \(error.localizedDescription)")
        }
        try writeSettingsDescription()
        try loadShards()
    }

    public func entry(fileId: Int64, frame: Int, view: Int = 0) -> CacheEntry? {
        lookup[SampleKey(fileId: fileId, frame: Int32(frame), view: Int32(view))].map { entries[$0] }
    }

    public func contains(fileId: Int64, frame: Int, view: Int = 0) -> Bool {
        lookup[SampleKey(fileId: fileId, frame: Int32(frame), view: Int32(view))] != nil || failures[fileId] != nil
    }

    /// Writes a sample's stored values as Float into `output` (height × width values).
    public func readPixels(_ entry: CacheEntry, into output: UnsafeMutablePointer<Float>) {
        let n = settings.pixelsPerSample
        let shard = shards[Int(entry.shard)]
        guard let base = shard.base else { return }
        let start = Int(entry.slot) * n * settings.bytesPerPixel
        switch settings.storage {
        case .uint8:
            let source = base.advanced(by: start).assumingMemoryBound(to: UInt8.self)
            for i in 0..<n { output[i] = Float(source[i]) }
        case .float16:
            let source = base.advanced(by: start).assumingMemoryBound(to: Float16.self)
            for i in 0..<n { output[i] = Float(source[i]) }
        }
    }

    // MARK: writing

    /// Appends one shard of preprocessed samples of view 0.
    func appendShard(_ samples: [(fileId: Int64, frame: Int, pixels: [Float])], failures newFailures: [(fileId: Int64, message: String)])
        throws
    {
        try appendShard(samples.map { (fileId: $0.fileId, frame: $0.frame, view: 0, pixels: $0.pixels) }, failures: newFailures)
    }

    /// Appends one shard of preprocessed samples (stored values, `height × width` each).
    func appendShard(
        _ samples: [(fileId: Int64, frame: Int, view: Int, pixels: [Float])], failures newFailures: [(fileId: Int64, message: String)]
    ) throws {
        guard !samples.isEmpty || !newFailures.isEmpty else { return }
        let number = shards.count
        let base = directory.appendingPathComponent(String(format: "shard-%05d", number))
        let binURL = base.appendingPathExtension("bin"), idxURL = base.appendingPathExtension("idx")
        let n = settings.pixelsPerSample
        var data = Data(capacity: samples.count * n * settings.bytesPerPixel)
        let withViews = settings.splitViews
        var records = Data(withViews ? Self.viewIndexMagic : Self.indexMagic)
        var newEntries: [CacheEntry] = []
        for (slot, sample) in samples.enumerated() {
            guard sample.pixels.count == n else {
                throw SonoDataError.cache(path: binURL.path, message: "sample of \(sample.pixels.count) values, expected \(n)")
            }
            let stats = Self.appendStored(sample.pixels, storage: settings.storage, to: &data)
            let entry = CacheEntry(
                fileId: sample.fileId, frameIndex: Int32(sample.frame), shard: Int32(number), slot: Int32(slot),
                mean: stats.mean, std: stats.std, view: Int32(sample.view))
            newEntries.append(entry)
            Self.appendRecord(entry, message: nil, withView: withViews, to: &records)
        }
        for failure in newFailures {
            let entry = CacheEntry(fileId: failure.fileId, frameIndex: -1, shard: Int32(number), slot: -1, mean: 0, std: 0)
            Self.appendRecord(entry, message: failure.message, withView: withViews, to: &records)
        }
        do {
            try AtomicFile.write(data, to: binURL)
            try AtomicFile.write(records, to: idxURL)
        } catch {
            throw SonoDataError.cache(path: base.path, message: "cannot write shard: \(error.localizedDescription)")
        }
        shards.append(try MappedFile(path: binURL.path))
        for entry in newEntries {
            lookup[SampleKey(fileId: entry.fileId, frame: entry.frameIndex, view: entry.view)] = entries.count
            entries.append(entry)
        }
        for failure in newFailures { failures[failure.fileId] = failure.message }
    }

    /// Converts to the storage type; statistics are of the values as stored.
    private static func appendStored(_ pixels: [Float], storage: PreprocessSettings.Storage, to data: inout Data) -> (
        mean: Float, std: Float
    ) {
        var sum = 0.0, sumSquares = 0.0
        switch storage {
        case .uint8:
            var bytes = [UInt8](repeating: 0, count: pixels.count)
            for (i, value) in pixels.enumerated() {
                let stored = UInt8(max(0, min(255, value.isFinite ? value.rounded() : 0)))
                bytes[i] = stored
                let v = Double(stored)
                sum += v; sumSquares += v * v
            }
            data.append(contentsOf: bytes)
        case .float16:
            var halves = [Float16](repeating: 0, count: pixels.count)
            for (i, value) in pixels.enumerated() {
                let stored = Float16(value.isFinite ? value : 0)
                halves[i] = stored
                let v = Double(stored)
                sum += v; sumSquares += v * v
            }
            halves.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        let count = Double(max(pixels.count, 1))
        let mean = sum / count
        let variance = max(0, sumSquares / count - mean * mean)
        return (Float(mean), Float(variance.squareRoot()))
    }

    private static func appendRecord(_ entry: CacheEntry, message: String?, withView: Bool, to data: inout Data) {
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        put(entry.fileId)
        put(entry.frameIndex)
        if withView { put(entry.view) }
        put(entry.slot)
        put(entry.mean.bitPattern)
        put(entry.std.bitPattern)
        let text = Array((message ?? "").utf8.prefix(4000))
        put(UInt32(text.count))
        data.append(contentsOf: text)
    }

    // MARK: reading

    private func loadShards() throws {
        var number = 0
        while true {
            let base = directory.appendingPathComponent(String(format: "shard-%05d", number))
            let binPath = base.appendingPathExtension("bin").path, idxPath = base.appendingPathExtension("idx").path
            guard FileManager.default.fileExists(atPath: idxPath), FileManager.default.fileExists(atPath: binPath) else {
                // A data file without its index is an interrupted write: drop it.
                try? FileManager.default.removeItem(atPath: binPath)
                break
            }
            let mapped = try MappedFile(path: binPath)
            let records = try parseIndex(path: idxPath, shard: Int32(number), shardBytes: mapped.count)
            shards.append(mapped)
            for (entry, message) in records {
                if let message {
                    failures[entry.fileId] = message
                } else {
                    lookup[SampleKey(fileId: entry.fileId, frame: entry.frameIndex, view: entry.view)] = entries.count
                    entries.append(entry)
                }
            }
            number += 1
        }
    }

    private func parseIndex(path: String, shard: Int32, shardBytes: Int) throws -> [(CacheEntry, String?)] {
        guard let data = FileManager.default.contents(atPath: path),
            data.starts(with: Self.indexMagic) || data.starts(with: Self.viewIndexMagic)
        else {
            throw SonoDataError.cache(path: path, message: "not a SonoTag cache index; delete the folder to rebuild")
        }
        let bytes = [UInt8](data)
        let withViews = data.starts(with: Self.viewIndexMagic)
        var position = Self.indexMagic.count
        func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let size = MemoryLayout<T>.size
            guard position + size <= bytes.count else { throw SonoDataError.cache(path: path, message: "truncated index") }
            var value: T = 0
            for i in 0..<size { value |= T(truncatingIfNeeded: bytes[position + i]) << (8 * i) }
            position += size
            return value
        }
        let sampleBytes = settings.pixelsPerSample * settings.bytesPerPixel
        var result: [(CacheEntry, String?)] = []
        while position < bytes.count {
            let fileId = try read(Int64.self), frame = try read(Int32.self)
            let view: Int32 = try withViews ? read(Int32.self) : 0
            let slot = try read(Int32.self)
            let mean = Float(bitPattern: try read(UInt32.self)), std = Float(bitPattern: try read(UInt32.self))
            let length = Int(try read(UInt32.self))
            guard length <= 4000, position + length <= bytes.count else {
                throw SonoDataError.cache(path: path, message: "corrupt index record")
            }
            let message = String(decoding: bytes[position..<(position + length)], as: UTF8.self)
            position += length
            let entry = CacheEntry(fileId: fileId, frameIndex: frame, shard: shard, slot: slot, mean: mean, std: std, view: view)
            if slot < 0 {
                result.append((entry, message.isEmpty ? "failed" : message))
            } else {
                guard (Int(slot) + 1) * sampleBytes <= shardBytes else {
                    throw SonoDataError.cache(path: path, message: "index points past the end of its shard; delete the folder to rebuild")
                }
                result.append((entry, nil))
            }
        }
        return result
    }

    /// `settings.json`: what the shards hold, for people looking at the folder (normalisation is
    /// applied when reading, so it is not part of it).
    private func writeSettingsDescription() throws {
        let url = directory.appendingPathComponent("settings.json")
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        let description: [String: Any] = [
            "height": settings.height, "width": settings.width, "storage": settings.storage.rawValue,
            "cropToTissue": settings.cropToTissue, "frames": "\(settings.frames)", "splitViews": settings.splitViews,
            "millimetresPerPixel": settings.millimetresPerPixel.map { $0 as Any } ?? NSNull(),
            "formatVersion": PreprocessSettings.cacheFormatVersion, "key": settings.cacheKey
        ]
        if let data = try? JSONSerialization.data(withJSONObject: description, options: [.prettyPrinted, .sortedKeys]) {
            try? AtomicFile.write(data, to: url)
        }
    }
}
