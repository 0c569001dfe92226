import Foundation
import SonoData
import SonoSupport

/// One metric of an evaluation: its value on the whole test set and the bootstrap's mean ± std.
public struct MetricEstimate: Sendable, Codable, Equatable {
    public var name: String
    public var value: Double
    public var mean: Double
    public var std: Double

    public init(name: String, value: Double, mean: Double, std: Double) {
        self.name = name
        self.value = value
        self.mean = mean
        self.std = std
    }

    /// The paper's notation, `0.832 ± 0.009`.
    public var formatted: String {
        guard mean.isFinite else { return "n/a" }
        return String(format: "%.3f ± %.3f", mean, std)
    }
}

/// What `sonotag evaluate` measured; `metrics.json` in the evaluation folder.
public struct EvaluationResult: Sendable, Codable {
    public var run: String
    public var taskName: String
    public var task: DownstreamTask
    public var images: Int
    public var resamples: Int
    public var sampleFraction: Double
    public var seed: UInt64
    public var metrics: [MetricEstimate]
    /// Relative to the evaluation folder.
    public var overlays: [String]
    /// What was scored: the dataset (absolute path), its split (`all` for every image), the
    /// checkpoint, the dataset's image count and the images left out because the run trained
    /// on them. Optional so that files written before they existed still read.
    public var data: String?
    public var split: String?
    public var checkpoint: String?
    public var datasetImages: Int?
    public var excludedTrainingImages: Int?

    public func metric(_ name: String) -> MetricEstimate? { metrics.first { $0.name == name } }

    public static let fileName = "metrics.json"

    public func markdown() -> String {
        var lines = ["| metric | whole test set | bootstrap mean ± std |", "| --- | --- | --- |"]
        for m in metrics {
            lines.append("| \(m.name) | \(m.value.isFinite ? String(format: "%.4f", m.value) : "n/a") | \(m.formatted) |")
        }
        var scored = "\(images) \(split.map { $0 == "all" ? "images (all)" : "\($0) images" } ?? "test images")"
        if let datasetImages { scored += " of \(datasetImages)" }
        if let data { scored += " in \(data)" }
        let header =
            "**\(taskName)** (\(task.rawValue)), \(scored), \(resamples) bootstrap resamples of \(Int((sampleFraction * 100).rounded())) %"
        return ([header, ""] + lines).joined(separator: "\n") + "\n"
    }

    func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // JSON has no NaN; undefined metrics (e.g. AUC with one class present) become null-free sentinels.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(try encoder.encode(self), to: folder.appendingPathComponent(Self.fileName))
        try AtomicFile.write(Data(markdown().utf8), to: folder.appendingPathComponent("metrics.md"))
    }

    public static func read(from folder: URL) throws -> EvaluationResult {
        let url = folder.appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: url) else { throw FinetuneError.notARun(folder.path) }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(EvaluationResult.self, from: data) } catch {
            throw FinetuneError.badRunFile(url.path, reason: "\(error)")
        }
    }
}

/// Settings of `sonotag evaluate`.
public struct EvaluationOptions: Sendable {
    /// Test data; nil uses the run's own data.
    public var data: String?
    /// The split to evaluate; nil takes every image of `data`.
    public var split: SplitName? = .test
    /// Output folder; nil is RUN_DIR/evaluation.
    public var out: URL?
    public var resamples = 1000
    public var sampleFraction = 0.5
    public var seed: UInt64 = 0
    public var overlays = 16
    public var threads: Int?

    public init() {}
}
