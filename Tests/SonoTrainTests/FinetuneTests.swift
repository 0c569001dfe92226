import Foundation
import Imaging
import SonoData
import SonoModels
import SonoTrainTestSupport
import TestSupport
import Torch
import TorchNN
import XCTest

@testable import SonoTrain

/// Tiny synthetic downstream sets: a bright rectangle on speckle-like noise, its mask, and a
/// 0…4 "quality" label that grows with the rectangle's brightness.
enum TinyDownstream {
    static func make(at root: URL, count: Int = 12, width: Int = 48, height: Int = 32, seed: UInt64 = 1) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("masks"), withIntermediateDirectories: true)
        var generator = SeededGenerator(seed: seed)
        var csv = "image,quality,split\n"
        for i in 0..<count {
            let level = i % 5
            let x0 = generator.nextInt(below: width / 2), y0 = generator.nextInt(below: height / 2)
            let w = width / 3 + generator.nextInt(below: width / 6), h = height / 3 + generator.nextInt(below: height / 6)
            var image = [UInt8](repeating: 0, count: width * height), mask = image
            for y in 0..<height {
                for x in 0..<width {
                    let inside = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h
                    let noise = Double(generator.nextInt(below: 60))
                    image[y * width + x] = UInt8(min(255, noise + (inside ? 100 + 30 * Double(level) : 20)))
                    mask[y * width + x] = inside ? 255 : 0
                }
            }
            let name = String(format: "img%02d.png", i)
            try ImageFile.write(
                try Raster(width: width, height: height, channels: 1, pixels: image), to: root.appendingPathComponent("images/\(name)").path
            )
            try ImageFile.write(
                try Raster(width: width, height: height, channels: 1, pixels: mask), to: root.appendingPathComponent("masks/\(name)").path)
            let split = i < count - 4 ? "train" : (i < count - 2 ? "val" : "test")
            csv += "\(name),\(level),\(split)\n"
        }
        try Data(csv.utf8).write(to: root.appendingPathComponent("labels.csv"))
    }
}

final class FinetuneTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = try temporaryFolder("finetune")
        try TinyDownstream.make(at: root.appendingPathComponent("data"))
        try TorchRuntime.setThreadCount(2)
    }

    func tinyConfig(_ task: DownstreamTask, epochs: Int = 4) -> FinetuneConfig {
        var config = FinetuneConfig.paperDefaults(task: task, taskName: "tiny", backbone: .resnet18)
        config.data = root.appendingPathComponent("data").path
        config.height = 32
        config.width = 48
        config.epochs = epochs
        config.batchSize = 4
        config.learningRate = 1e-3
        config.decoderBaseWidth = 4
        config.augment = false
        return config
    }

    func testTinySegmentationRunLowersTheLoss() throws {
        let out = root.appendingPathComponent("seg")
        let summary = try FinetuneRun.train(config: tinyConfig(.segmentation, epochs: 5), out: out, resume: false)
        let first = try XCTUnwrap(summary.firstTrainLoss), last = try XCTUnwrap(summary.lastTrainLoss)
        XCTAssertLessThan(last, first, "soft Dice loss should fall on a fixed tiny set")
        XCTAssertTrue(first > 0 && first <= 1, "soft Dice loss lies in (0, 1], got \(first)")
        let layout = FinetuneRunLayout(out)
        for url in [layout.bestCheckpoint, layout.lastCheckpoint, layout.metrics, layout.config] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), url.lastPathComponent)
        }
        XCTAssertEqual(FinetuneMetricsLog.read(layout.metrics).count, 5)
    }

    /// Fine-tuning used to leave libtorch's default (one thread on Debian's build).
    func testFinetuningUsesEveryAvailableCoreByDefault() throws {
        let expected = try TrainingThreads.intraOp(requested: nil).count
        try TorchRuntime.setThreadCount(1)
        var config = tinyConfig(.segmentation, epochs: 1)
        config.threads = nil
        _ = try FinetuneRun.train(config: config, out: root.appendingPathComponent("threads"), resume: false)
        XCTAssertEqual(TorchRuntime.threadCount, expected)
    }

    func testFrozenEncoderIsBitIdenticalAfterFinetuning() throws {
        // An encoder file with known contents, as `sonotag export` would write it.
        try TorchRuntime.manualSeed(42)
        let encoder = try makeFeatureExtractor(.resnet18)
        let encoderFile = root.appendingPathComponent("encoder.safetensors")
        try encoder.save(to: encoderFile)
        var config = tinyConfig(.segmentation, epochs: 2)
        config.encoder = .pretrained(encoderFile.path)
        config.freezeEncoder = true
        let out = root.appendingPathComponent("frozen")
        try FinetuneRun.train(config: config, out: out, resume: false)

        let before = try SafeTensors.load(contentsOf: encoderFile)
        let after = try SafeTensors.load(contentsOf: FinetuneRunLayout(out).lastCheckpoint).dictionary
        XCTAssertFalse(before.tensors.isEmpty)
        for (name, tensor) in before.tensors {
            let trained = try XCTUnwrap(after["model.encoder." + name], name)
            XCTAssertEqual(try tensor.rawBytes(), try trained.rawBytes(), "\(name) changed although the encoder was frozen")
        }
        // …while the decoder did learn: rebuild its initial weights from the run's seed.
        try TorchRuntime.manualSeed(config.seed)
        let untrained = try FinetuneNetwork.make(config: config, outputs: 1)
        let decoderKey = "blocks.0.up.weight"
        let initial = try XCTUnwrap(untrained.module.stateDict().first { $0.name == decoderKey }).tensor
        let trained = try XCTUnwrap(after["model." + decoderKey])
        XCTAssertEqual(initial.shape, trained.shape)
        XCTAssertNotEqual(try initial.rawBytes(), try trained.rawBytes(), "the decoder should have been trained")
    }

    func testUnfrozenEncoderChanges() throws {
        try TorchRuntime.manualSeed(42)
        let encoderFile = root.appendingPathComponent("encoder.safetensors")
        try makeFeatureExtractor(.resnet18).save(to: encoderFile)
        var config = tinyConfig(.segmentation, epochs: 1)
        config.encoder = .pretrained(encoderFile.path)
        let out = root.appendingPathComponent("unfrozen")
        try FinetuneRun.train(config: config, out: out, resume: false)
        let before = try SafeTensors.load(contentsOf: encoderFile).dictionary
        let after = try SafeTensors.load(contentsOf: FinetuneRunLayout(out).lastCheckpoint).dictionary
        let key = "conv1.weight"
        XCTAssertNotEqual(try before[key]?.rawBytes(), try after["model.encoder." + key]?.rawBytes())
    }

    /// The step reports the loss of the weights it started from, then moves them.
    func testTrainStepReturnsTheBatchLossBeforeItsUpdate() throws {
        let setup = try FinetuneSetup(config: tinyConfig(.segmentation))
        let arrays = try setup.dataset.load(setup.dataset.samples(in: .train), height: 32, width: 48, task: .segmentation)
        let batcher = try setup.batcher(arrays)
        let finetuner = try Finetuner(setup: setup, trainingTargets: batcher.labelTargets)
        var generator = SeededGenerator(seed: 1)
        let batch = try batcher.batch(Array(0..<4), augment: false, generator: &generator)
        finetuner.enterTrainingMode()
        let expected = try withNoGrad { try setup.loss(finetuner.network(batch.images), batch.targets, positiveWeight: nil).item() }
        let weight = try XCTUnwrap(finetuner.network.module.stateDict().first { $0.name == "blocks.0.up.weight" }).tensor
        let initial = try weight.rawBytes()

        let value = try XCTUnwrap(try finetuner.trainStep(batch), "one process trains on every batch of two or more")
        XCTAssertEqual(value, expected, accuracy: 1e-6)
        XCTAssertNotEqual(try weight.rawBytes(), initial, "the step should update the decoder")
        let validation = try finetuner.validate(batcher, batchSize: 4)
        XCTAssertTrue(validation.loss.isFinite && (0...1).contains(validation.metric), "\(validation)")
    }

    func testOrdinalCodesThroughTheHead() throws {
        let encoding = LabelEncoding(mode: .ordinal, classes: ["0", "1", "2", "3", "4"])
        // Hand-written codes: level k sets the first k of four bits.
        let expected: [[Float]] = [[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
        for level in 0..<5 {
            XCTAssertEqual(try encoding.target(for: String(level), image: "x"), expected[level])
            XCTAssertEqual(encoding.classIndex(ofTarget: expected[level]), level)
        }
        XCTAssertThrowsError(try encoding.target(for: "5", image: "x"))
        // Through the head: zero weights and chosen biases make the sigmoid outputs known, so the
        // decoded level of any input must be 2 (bits 1,1,0,0).
        let classifier = try Classifier(backbone: .resnet18, outputs: encoding.outputs)
        try withNoGrad {
            try classifier.head.fc.weight.copy(from: Tensor.zeros(classifier.head.fc.weight.shape))
            try classifier.head.fc.bias?.copy(from: Tensor([Float(6), 6, -6, -6]))
        }
        classifier.eval()
        let flat: [Float] = try classifier(Tensor.randn([3, 1, 32, 48])).sigmoid().contiguous().toArray()
        let rows = (0..<3).map { Array(flat[($0 * 4)..<(($0 + 1) * 4)]) }
        for row in rows {
            XCTAssertEqual(Double(row[0]), 1 / (1 + exp(-6)), accuracy: 1e-5)
            XCTAssertEqual(encoding.classIndex(ofTarget: row), 2)
        }
    }

    func testClassificationRunAndResume() throws {
        var config = tinyConfig(.classification, epochs: 2)
        config.learningRate = 1e-4
        let out = root.appendingPathComponent("cls")
        try FinetuneRun.train(config: config, out: out, resume: false)
        // A rerun without --resume refuses to overwrite; with it, continues to the new length.
        XCTAssertThrowsError(try FinetuneRun.train(config: config, out: out, resume: false))
        config.epochs = 3
        let summary = try FinetuneRun.train(config: config, out: out, resume: true)
        XCTAssertEqual(summary.epochsCompleted, 3)
        XCTAssertEqual(FinetuneMetricsLog.read(FinetuneRunLayout(out).metrics).map(\.epoch), [1, 2, 3])
        let encoding = try JSONDecoder().decode(LabelEncoding.self, from: Data(contentsOf: FinetuneRunLayout(out).labels))
        XCTAssertEqual(encoding.mode, .ordinal)
        XCTAssertEqual(encoding.outputs, 4)
        XCTAssertEqual(encoding.classes, ["0", "1", "2", "3", "4"])
        // The inferred mode is recorded in the run's configuration, not only guessed again later.
        XCTAssertNil(config.classificationMode)
        XCTAssertEqual(try FinetuneConfig.read(from: out).classificationMode, .ordinal)
    }

    /// Item 8 of "Nothing silently wrong": a run trained with relative paths is evaluated from
    /// another directory (on main its finetune.yaml kept "data" as typed and evaluation failed).
    func testRunWithRelativePathsIsUsableFromAnyDirectory() throws {
        let previous = FileManager.default.currentDirectoryPath
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(root.path))
        var config = tinyConfig(.classification, epochs: 1)
        config.data = "data"
        try FinetuneRun.train(config: config, out: URL(fileURLWithPath: "relative-run"), resume: false)
        let saved = try FinetuneConfig.read(from: root.appendingPathComponent("relative-run"))
        XCTAssertEqual(saved.data, root.appendingPathComponent("data").standardizedFileURL.path)
        let elsewhere = root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(elsewhere.path))
        var options = EvaluationOptions()
        options.resamples = 10
        options.overlays = 0
        let result = try Evaluation.evaluate(run: root.appendingPathComponent("relative-run"), options: options)
        XCTAssertNotNil(result.metric("accuracy"))
    }

    /// Items 6 and 7 of "Nothing silently wrong": another dataset without splits is scored whole
    /// (on main a file-name hash picked about 1 image in 7), never on images the run trained on,
    /// into its own folder, and metrics.json says what it scored; stale overlays are removed.
    func testEvaluatingAnotherDatasetScoresWhatItSaysInItsOwnFolder() throws {
        let out = root.appendingPathComponent("seg-eval")
        try FinetuneRun.train(config: tinyConfig(.segmentation, epochs: 1), out: out, resume: false)
        // A second set: 8 images with masks, no labels.csv, so no split information.
        let other = root.appendingPathComponent("other")
        try TinyDownstream.make(at: other, count: 8, seed: 5)
        try FileManager.default.removeItem(at: other.appendingPathComponent("labels.csv"))
        var options = EvaluationOptions()
        options.data = other.path
        options.resamples = 10
        options.overlays = 4
        let result = try Evaluation.evaluate(run: out, options: options)
        XCTAssertEqual(result.images, 8)
        XCTAssertEqual(result.split, "all")
        XCTAssertEqual(result.datasetImages, 8)
        XCTAssertEqual(result.data, other.standardizedFileURL.path)
        XCTAssertEqual(result.checkpoint, FinetuneRunLayout(out).bestCheckpoint.standardizedFileURL.path)
        let folder = out.appendingPathComponent("evaluation-other")
        // Overlays: the first two test images, then the two lowest-Dice of the others (from the per-image CSV).
        let dice = try String(contentsOf: folder.appendingPathComponent("per_image.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }.map { (id: String($0[0]), dice: Double($0[1])!) }
        let expectedWorst = dice.enumerated().dropFirst(2).sorted { ($0.element.dice, $0.offset) < ($1.element.dice, $1.offset) }
            .prefix(2).map { "overlays/worst-\($0.element.id).png" }
        XCTAssertEqual(result.overlays, dice.prefix(2).map { "overlays/\($0.id).png" } + expectedWorst)
        let saved = try EvaluationResult.read(from: folder)
        XCTAssertEqual(saved.images, 8)
        XCTAssertEqual(saved.split, "all")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: out.appendingPathComponent("evaluation").path), "the run's own evaluation is left alone")
        XCTAssertTrue(result.markdown().contains("8 images (all) of 8 in \(other.standardizedFileURL.path)"), result.markdown())
        // A second evaluation with fewer overlays leaves only its own.
        options.overlays = 1
        _ = try Evaluation.evaluate(run: out, options: options)
        let overlays = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("overlays").path)
        XCTAssertEqual(overlays.count, 1, "\(overlays)")

        // A CSV naming the run's own images: the training image is left out, the test image scored.
        let images = root.appendingPathComponent("data/images").path, masks = root.appendingPathComponent("data/masks").path
        let csv = "image,mask\n\(images)/img00.png,\(masks)/img00.png\n\(images)/img11.png,\(masks)/img11.png\n"
        let mixed = root.appendingPathComponent("mixed.csv")
        try Data(csv.utf8).write(to: mixed)
        options.data = mixed.path
        let leftOut = try Evaluation.evaluate(run: out, options: options)
        XCTAssertEqual(leftOut.images, 1)
        XCTAssertEqual(leftOut.excludedTrainingImages, 1)
    }

    func testMulticlassModeTrainsWithCrossEntropy() throws {
        var config = tinyConfig(.classification, epochs: 1)
        config.classificationMode = .multiclass
        let out = root.appendingPathComponent("multiclass")
        let summary = try FinetuneRun.train(config: config, out: out, resume: false)
        XCTAssertTrue(summary.lastTrainLoss?.isFinite ?? false)
        var options = EvaluationOptions()
        options.resamples = 20
        let result = try Evaluation.evaluate(run: out, options: options)
        let accuracy = try XCTUnwrap(result.metric("accuracy"))
        XCTAssertTrue((0...1).contains(accuracy.value))
    }

    func testMultilabelAndMulticlassEncodings() throws {
        let labels = [("a", "liver;kidney"), ("b", "thyroid"), ("c", "kidney|thyroid")]
        let encoding = try LabelEncoding.fit(labels.map { (image: $0.0, label: $0.1) }, mode: nil)
        XCTAssertEqual(encoding.mode, .multilabel)
        XCTAssertEqual(encoding.classes, ["kidney", "liver", "thyroid"])
        XCTAssertEqual(try encoding.target(for: "liver;kidney", image: "a"), [1, 1, 0])
        XCTAssertThrowsError(try encoding.target(for: "spleen", image: "d")) { error in
            XCTAssertTrue("\(error)".contains("spleen") && "\(error)".contains("d"))
        }
        let multiclass = try LabelEncoding.fit([("a", "good"), ("b", "bad"), ("c", "good")], mode: nil)
        XCTAssertEqual(multiclass.mode, .multiclass)
        XCTAssertEqual(try multiclass.target(for: "good", image: "a"), [0, 1])
        // Weighted BCE: negatives over positives per output, by hand: bit 0 has 2 positives of 3.
        XCTAssertEqual(LabelEncoding.positiveWeights([[1, 0], [1, 0], [0, 1]]), [0.5, 2])
    }

    /// finetune.yaml is snake_case like config.yaml; a run written in the old camelCase style
    /// still reads; a --config file may set any subset, and unknown keys are refused.
    func testFinetuneSettingsAreSnakeCaseAndReadOldRuns() throws {
        let folder = try temporaryFolder("finetune-yaml")
        var config = FinetuneConfig.paperDefaults(task: .segmentation, taskName: "thyroid", backbone: .resnet50)
        config.data = "/d/thyroid"
        config.maxImages = 12
        try config.write(to: folder)
        let text = try String(contentsOf: folder.appendingPathComponent(FinetuneConfig.fileName), encoding: .utf8)
        for key in ["task_name: thyroid", "batch_size: 8", "decoder_width: 32", "max_images: 12", "backbone: resnet50", "\nlr: "] {
            XCTAssertTrue(text.contains(key), "\(key) in\n\(text)")
        }
        XCTAssertEqual(try FinetuneConfig.read(from: folder), config)
        // The camelCase style of earlier runs.
        let old = text.replacingOccurrences(of: "task_name:", with: "taskName:").replacingOccurrences(of: "batch_size:", with: "batchSize:")
            .replacingOccurrences(of: "max_images:", with: "maxImages:").replacingOccurrences(of: "\nlr:", with: "\nlearningRate:")
        try Data(old.utf8).write(to: folder.appendingPathComponent(FinetuneConfig.fileName))
        XCTAssertEqual(try FinetuneConfig.read(from: folder), config)
        // A settings file over the defaults.
        let settings = try FinetuneConfig.settings(fromYAML: "epochs: 3\nlr: 0.01\nmask_classes: [a, b]\n", source: "s.yaml")
        let applied = try config.applying(settings, source: "s.yaml")
        XCTAssertEqual([applied.epochs, applied.batchSize], [3, 8])
        XCTAssertEqual(applied.learningRate, 0.01)
        XCTAssertEqual(applied.maskClasses, ["a", "b"])
        XCTAssertThrowsError(try FinetuneConfig.settings(fromYAML: "epoch: 3", source: "s.yaml")) { error in
            XCTAssertTrue("\(error)".contains("epoch") && "\(error)".contains("known keys"), "\(error)")
        }
        // Library errors name the setting, not an option.
        var bad = config
        bad.batchSize = 1
        XCTAssertThrowsError(try bad.validate()) { error in
            guard case FinetuneError.invalidSetting(let field, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "batch_size")
        }
    }
}
