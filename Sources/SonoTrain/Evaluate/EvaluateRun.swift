import Foundation
import Imaging
import SonoData
import SonoEval
import Torch
import TorchNN

/// `sonotag evaluate`: the best checkpoint of a fine-tuning run on a test set.
public enum Evaluation {
    /// Predicts every test image, measures it, bootstraps the metrics (seeded resamples of a
    /// fraction of the test set with replacement) and writes `metrics.json`, `metrics.md`,
    /// `per_image.csv` and overlay PNGs into the evaluation folder.
    @discardableResult
    public static func evaluate(run: URL, options: EvaluationOptions, log: @escaping (String) -> Void = { _ in }) throws -> EvaluationResult
    {
        let (config, ownData, folder) = try target(run: run, options: options)
        let isOwnData = config.data == ownData
        let layout = FinetuneRunLayout(run)
        try TrainingThreads.configure(requested: options.threads)
        var encoding: LabelEncoding?
        if config.task == .classification {
            guard let data = try? Data(contentsOf: layout.labels), let saved = try? JSONDecoder().decode(LabelEncoding.self, from: data)
            else {
                throw FinetuneError.badRunFile(layout.labels.path, reason: "missing or unreadable label encoding")
            }
            encoding = saved
        }
        let setup = try FinetuneSetup(config: config, encodingOverride: encoding)
        guard FileManager.default.fileExists(atPath: layout.bestCheckpoint.path) else {
            throw FinetuneError.badRunFile(layout.bestCheckpoint.path, reason: "no best checkpoint: the run has not finished an epoch")
        }
        try FinetuneCheckpoint.restore(layout.bestCheckpoint, network: setup.network, optimizer: nil)
        // Another dataset without a split column (its splits are only hashes of file names or
        // patients) has no real test split: score every image of it (saying so) rather than a
        // hash-chosen sixth.
        let split: SplitName? = !isOwnData && setup.dataset.splitSource != .column ? nil : options.split
        var samples = split.map { setup.dataset.samples(in: $0) } ?? setup.dataset.samples
        var excluded = 0
        if !isOwnData {
            // Images the run trained or selected its epoch on are never scored.
            let ownOptions = DownstreamLayoutOptions(task: config.task, labelColumn: config.labelColumn, maskClasses: config.maskClasses)
            if let own = try? DownstreamDataset.discover(at: URL(fileURLWithPath: ownData), options: ownOptions) {
                let seen = Set((own.samples(in: .train) + own.samples(in: .val)).map { $0.imagePath.standardizedFileURL.path })
                let kept = samples.filter { !seen.contains($0.imagePath.standardizedFileURL.path) }
                excluded = samples.count - kept.count
                samples = kept
            }
        }
        guard !samples.isEmpty else { throw DownstreamDataError.emptySplit(split ?? .test, dataset: config.data) }
        let arrays = try setup.dataset.load(samples, height: config.height, width: config.width, task: config.task)
        let splitName = split?.rawValue ?? "all"
        log(
            "evaluating \(arrays.count) of \(setup.dataset.samples.count) images of \(config.data) (split: \(splitName)\(split == nil && options.split != nil ? ", the data has no split column" : "")\(excluded > 0 ? "; \(excluded) images the run trained on left out" : "")) with \(layout.bestCheckpoint.path)"
        )

        let outputs = try predict(setup: setup, arrays: arrays, batchSize: max(2, config.batchSize))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Overlays of an earlier evaluation must not stay beside the new ones.
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("overlays"))
        let bootstrap = Bootstrap(resamples: options.resamples, fraction: options.sampleFraction, seed: options.seed)
        var estimates: [String: BootstrapEstimate]
        var order: [String]
        var overlays: [String] = []
        switch config.task {
        case .segmentation:
            let records = try segmentationRecords(arrays: arrays, logits: outputs)
            try SegmentationRecord.csv(records).write(to: folder.appendingPathComponent("per_image.csv").path)
            estimates = bootstrap.estimate(records, metrics: SegmentationRecord.metrics)
            order = SegmentationRecord.metrics.map(\.name)
            overlays = try writeOverlays(arrays: arrays, logits: outputs, records: records, count: options.overlays, folder: folder)
        case .classification:
            guard let encoding = setup.encoding else { throw FinetuneError.badRunFile(layout.labels.path, reason: "no label encoding") }
            let (records, classCount, scores) = try classificationRecords(arrays: arrays, outputs: outputs, encoding: encoding)
            try ClassificationRecord.csv(records).write(to: folder.appendingPathComponent("per_image.csv").path)
            let metrics = ClassificationRecord.metrics(classCount: classCount, scores: scores)
            estimates = bootstrap.estimate(records, metrics: metrics)
            order = metrics.map(\.name)
        }
        let result = EvaluationResult(
            run: run.path, taskName: config.taskName, task: config.task, images: arrays.count, resamples: options.resamples,
            sampleFraction: options.sampleFraction, seed: options.seed,
            metrics: order.compactMap { name in
                estimates[name].map { MetricEstimate(name: name, value: $0.pointEstimate, mean: $0.mean, std: $0.standardDeviation) }
            },
            overlays: overlays)
        var described = result
        described.data = config.data
        described.split = splitName
        described.checkpoint = layout.bestCheckpoint.standardizedFileURL.path
        described.datasetImages = setup.dataset.samples.count
        described.excludedTrainingImages = excluded
        try described.write(to: folder)
        return described
    }

    /// The run's settings with the data to score, and the folder the evaluation writes: one per
    /// evaluated dataset, the run's own data in RUN/evaluation and another in
    /// RUN/evaluation-<its name>, so evaluating a second dataset never overwrites the first.
    /// `ownData` is the data the run was trained on.
    public static func target(run: URL, options: EvaluationOptions) throws -> (config: FinetuneConfig, ownData: String, folder: URL) {
        var config = try FinetuneConfig.read(from: run)
        let own = URL(fileURLWithPath: config.data).standardizedFileURL.path
        config.data = options.data.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? own
        let folder =
            options.out ?? run.appendingPathComponent(config.data == own ? "evaluation" : "evaluation-" + Self.datasetName(config.data))
        return (config, own, folder)
    }

    /// A folder-name-safe name of a dataset path (its last component, without a `.csv` extension).
    static func datasetName(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let base = url.pathExtension.lowercased() == "csv" ? url.deletingPathExtension().lastPathComponent : url.lastPathComponent
        let safe = base.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" }
        return safe.isEmpty ? "data" : String(safe)
    }

    /// Logits (segmentation: N×C×H×W flattened) or head outputs (N×K) for every image, in order.
    static func predict(setup: FinetuneSetup, arrays: DownstreamArrays, batchSize: Int) throws -> [Float] {
        let batcher = try setup.batcher(arrays)
        var generator = SeededGenerator(seed: 0)
        var out: [Float] = []
        try setup.network.module.withEvaluationMode {
            try withNoGrad {
                // Batches in order, keeping a final batch of one (no training, so batch norm is fine).
                for start in stride(from: 0, to: arrays.count, by: batchSize) {
                    let indices = Array(start..<min(start + batchSize, arrays.count))
                    let batch = try batcher.batch(indices, augment: false, generator: &generator)
                    let logits = try setup.network(batch.images).to(device: .cpu).contiguous()
                    out += try logits.toArray(of: Float.self)
                }
            }
        }
        return out
    }

    /// Per image, Dice/IoU/HD95 (pixels) averaged over mask channels (one channel: as measured).
    static func segmentationRecords(arrays: DownstreamArrays, logits: [Float]) throws -> [SegmentationRecord] {
        let plane = arrays.height * arrays.width, c = arrays.maskChannels
        return try arrays.ids.enumerated().map { i, id in
            var perChannel: [SegmentationRecord] = []
            for k in 0..<c {
                let offset = (i * c + k) * plane
                let prediction = try BinaryMask(
                    width: arrays.width, height: arrays.height, bits: logits[offset..<(offset + plane)].map { $0 > 0 })
                let truth = try BinaryMask(
                    width: arrays.width, height: arrays.height, bits: arrays.masks[offset..<(offset + plane)].map { $0 > 0.5 })
                perChannel.append(try SegmentationRecord(id: id, prediction: prediction, truth: truth, spacing: (1, 1)))
            }
            guard perChannel.count > 1 else { return perChannel[0] }
            let hd = perChannel.compactMap(\.hausdorff95)
            return SegmentationRecord(
                id: id, dice: Statistics.mean(perChannel.map(\.dice)), iou: Statistics.mean(perChannel.map(\.iou)),
                hausdorff95: hd.isEmpty ? nil : Statistics.mean(hd),
                truthArea: perChannel.map(\.truthArea).reduce(0, +), predictedArea: perChannel.map(\.predictedArea).reduce(0, +))
        }
    }

    /// Records for the classification metrics. Ordinal: levels with the cumulative sigmoid
    /// outputs; multi-class: softmax per class; multi-label: one binary record per image and
    /// class (label-wise metrics).
    static func classificationRecords(arrays: DownstreamArrays, outputs: [Float], encoding: LabelEncoding) throws
        -> ([ClassificationRecord], Int, ClassificationRecord.Scores)
    {
        let k = encoding.outputs
        var records: [ClassificationRecord] = []
        for (i, id) in arrays.ids.enumerated() {
            let row = Array(outputs[(i * k)..<((i + 1) * k)])
            let target = try encoding.target(for: arrays.labels[i], image: id)
            switch encoding.mode {
            case .ordinal:
                let p = row.map { 1 / (1 + exp(-Double($0))) }
                records.append(
                    ClassificationRecord(
                        id: id, truth: encoding.classIndex(ofTarget: target) ?? 0,
                        predicted: encoding.classIndex(ofTarget: p.map(Float.init)) ?? 0, scores: p))
            case .multiclass:
                let top = row.max() ?? 0
                let e = row.map { exp(Double($0 - top)) }
                let total = e.reduce(0, +)
                let p = e.map { $0 / total }
                let predicted = p.indices.max { p[$0] < p[$1] } ?? 0
                records.append(
                    ClassificationRecord(id: id, truth: encoding.classIndex(ofTarget: target) ?? 0, predicted: predicted, scores: p))
            case .multilabel:
                for (j, name) in encoding.classes.enumerated() {
                    let p = 1 / (1 + exp(-Double(row[j])))
                    records.append(
                        ClassificationRecord(
                            id: "\(id):\(name)", truth: target[j] > 0.5 ? 1 : 0, predicted: p > 0.5 ? 1 : 0, scores: [1 - p, p]))
                }
            }
        }
        switch encoding.mode {
        case .ordinal: return (records, encoding.classes.count, .cumulative)
        case .multiclass: return (records, encoding.classes.count, .perClass)
        case .multilabel: return (records, 2, .perClass)
        }
    }

    /// Where the lowest-Dice overlays are written (`overlays/worst-ID.png`), for the report to tell them apart.
    static let worstOverlayPrefix = "overlays/worst-"

    /// Overlay PNGs (prediction red, truth green), channels merged: the first ⌈count/2⌉ test
    /// images (typical cases) and the ⌊count/2⌋ lowest-Dice others (`worstOverlayPrefix`), so a
    /// reader sees where the model fails and not only where it works.
    static func writeOverlays(arrays: DownstreamArrays, logits: [Float], records: [SegmentationRecord], count: Int, folder: URL) throws
        -> [String]
    {
        let n = min(count, arrays.count)
        let first = Array(0..<((n + 1) / 2))
        let worst = Array((first.count..<arrays.count).sorted { (records[$0].dice, $0) < (records[$1].dice, $1) }.prefix(n / 2))
        return try writeOverlays(arrays: arrays, logits: logits, records: records, indices: first, prefix: "overlays/", folder: folder)
            + writeOverlays(arrays: arrays, logits: logits, records: records, indices: worst, prefix: worstOverlayPrefix, folder: folder)
    }

    static func writeOverlays(
        arrays: DownstreamArrays, logits: [Float], records: [SegmentationRecord], indices: [Int],
        prefix: String, folder: URL
    ) throws -> [String] {
        guard !indices.isEmpty else { return [] }
        let overlayFolder = folder.appendingPathComponent("overlays")
        try FileManager.default.createDirectory(at: overlayFolder, withIntermediateDirectories: true)
        let plane = arrays.height * arrays.width, c = arrays.maskChannels
        let scale = max(1, 256 / max(1, arrays.width))
        var names: [String] = []
        for i in indices {
            var predicted = [Bool](repeating: false, count: plane), truth = predicted
            for k in 0..<c {
                let offset = (i * c + k) * plane
                for p in 0..<plane {
                    if logits[offset + p] > 0 { predicted[p] = true }
                    if arrays.masks[offset + p] > 0.5 { truth[p] = true }
                }
            }
            let image = try GrayImage(
                width: arrays.width, height: arrays.height, pixels: Array(arrays.images[(i * plane)..<((i + 1) * plane)]))
            let picture = try SegmentationOverlay.render(
                image: image, prediction: try BinaryMask(width: arrays.width, height: arrays.height, bits: predicted),
                truth: try BinaryMask(width: arrays.width, height: arrays.height, bits: truth), scale: scale,
                caption: String(format: "%@  Dice %.3f", arrays.ids[i], records[i].dice))
            let name = "\(prefix)\(arrays.ids[i]).png"
            try ImageFile.write(picture, to: folder.appendingPathComponent(name).path)
            names.append(name)
        }
        return names
    }
}
