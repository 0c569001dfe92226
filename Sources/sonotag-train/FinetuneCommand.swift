import ArgumentParser
import Foundation
import SonoData
import SonoModels
import SonoTagCommands
import SonoTrain
import Torch

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: TrainingCommand.finetune.rawValue,
        abstract: TrainingCommand.finetune.abstract,
        discussion: """
            DATA is a folder (images/, masks/<stem>.png or masks/<stem>_*.png, optional labels.csv with \
            a split column) or a CSV of image paths with label, split and mask columns. Without a split \
            column the images are split 70/15/15 by patient: a patient column, or in a folder without \
            labels.csv a patient in the file names (Patient12_…, P012-…, HC18's 001_HC / 001_2HC); else per image.
            Defaults follow the paper's Table A2: Adam, batch 8 and 500 epochs for segmentation, batch \
            4 and 300 epochs for classification, lr 1e-4 (VGG, segmentation) or 5e-5, 1.4e-4 for \
            ResNet on a task named thyroid. The epoch with the lowest validation loss is kept as best.
            Settings come from Table A2, then --config (YAML with any subset of the keys \
            \(FinetuneConfig.Key.allCases.map(\.rawValue).joined(separator: ", "))), then the options; \
            the effective settings are written to OUT/finetune.yaml in the same style.
            Example (CPU-sized):
              sonotag finetune --task segmentation --data demo-out/phantom/downstream/thyroid \\
                --encoder demo-out/pretrain/ce+dcm --backbone resnet18 --size 64x96 --epochs 5 --out runs/thyroid
            """)

    typealias Key = FinetuneConfig.Key

    @Option(help: "YAML file with settings (any subset of the keys of a run's finetune.yaml); options override it.")
    var config: String?

    @Option(help: "segmentation or classification.")
    var task: DownstreamTask?

    @Option(help: "A dataset folder or CSV (see above).")
    var data: String?

    @Option(help: "random, imagenet:PATH (torchvision weights as safetensors), a pretraining RUN_DIR, or an encoder .safetensors.")
    var encoder: String?

    @Flag(help: "Keep the encoder's weights fixed (the paper's +F rows); only the decoder/head learns.")
    var freezeEncoder = false

    @Option(help: "\(Backbone.allCases.map(\.rawValue).joined(separator: ", ")) (default vgg16bn).")
    var backbone: Backbone?

    @Option(help: "Run folder: config, checkpoints, metrics.csv.")
    var out: String

    @Option(name: .customLong("task-name"), help: "Name used in reports (default: the data folder's name).")
    var taskName: String?

    @Option(
        help: ArgumentHelp(
            "Input size HxW (default 256x384), each at least 32; the U-Net pads to multiples of 32 internally.",
            valueName: "HxW"))
    var size: String?

    @Option var epochs: Int?
    @Option(name: .customLong("batch-size")) var batchSize: Int?
    @Option(name: .customLong("lr"), help: "Learning rate (default from Table A2).") var learningRate: Double?
    @Option var seed: UInt64?
    @Option(help: "Classification: ordinal, multiclass or multilabel (default: guessed from the labels).")
    var mode: ClassificationMode?
    @Option(name: .customLong("label-column")) var labelColumn: String?
    @Option(name: .customLong("mask-classes"), help: "Comma-separated mask suffixes, one output channel each (default: merge all masks).")
    var maskClasses: String?
    @Option(
        name: .customLong("decoder-width"), help: "U-Net decoder base width: blocks of 8, 8, 4, 2, 1 times it (default 32, TernausNet's).")
    var decoderWidth: Int?
    @Option(name: .customLong("train-fraction"), help: "Use this share of the training images (low-data runs; default 1).")
    var trainFraction: Double?
    @Option(name: .customLong("max-images"), help: "Cap on training images, for quick runs.") var maxImages: Int?
    @Flag(name: .customLong("no-augment"), help: "Disable random flips and shifts.") var noAugment = false
    @Option(help: "cpu or cuda[:n] (default cpu).") var device: String?
    @Option(help: "libtorch intra-op threads (default: every core this process may use, or OMP_NUM_THREADS).") var threads: Int?
    @Flag(help: "Continue an interrupted run in --out from its last checkpoint.") var resume = false
    @Option(
        name: .customLong(Key.checkpointEvery.option!),
        help: ArgumentHelp(
            "Also write checkpoints/last.safetensors every N steps, mid-epoch (default: at each epoch's end only).", valueName: "N"))
    var checkpointEvery: Int?
    @Option(help: "fp32 | bf16 | fp16 (autocast; weights, Adam state and checkpoints stay fp32; fp16 needs CUDA).")
    var precision: Precision?
    @Flag(name: .long, help: "Batch-norm statistics over all processes' batches (data parallel; --batch-size is the global batch).")
    var syncBatchnorm = false
    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Store convolution weights channels-last (NHWC), the layout cuDNN's tensor cores and oneDNN prefer (default on).")
    var channelsLast: Bool?
    @OptionGroup var parallel: DataParallelOptions

    func validate() throws {
        if let size { _ = try parseSize(size, multipleOf32: false) }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let batchSize, batchSize < 2 { throw ValidationError("--batch-size must be at least 2 (batch norm)") }
        if let trainFraction {
            guard trainFraction > 0, trainFraction <= 1 else { throw ValidationError("--train-fraction must be in (0, 1]") }
        }
    }

    /// Table A2 for the task and backbone, then --config, then the options.
    func effectiveConfig() throws -> FinetuneConfig {
        var file: [String: Any] = [:]
        if let config {
            let text: String
            // A file an option names that cannot be read is a data error (README, "Exit codes").
            do { text = try String(contentsOfFile: config, encoding: .utf8) } catch {
                throw DataError(
                    "--config: \(CommandFailure.fileErrorDescription(error)?.message ?? "\(config): \(error.localizedDescription)")")
            }
            file = try FinetuneConfig.settings(fromYAML: text, source: config)
        }
        if task == nil, let written = file[Key.task.rawValue], DownstreamTask(rawValue: "\(written)") == nil {
            throw ValidationError("\(config ?? "--config"): task '\(written)' is not segmentation or classification")
        }
        guard let task = task ?? (file[Key.task.rawValue] as? String).flatMap(DownstreamTask.init(rawValue:)) else {
            throw ValidationError("--task: give segmentation or classification (or `task:` in --config)")
        }
        guard let data = data ?? file[Key.data.rawValue] as? String else {
            throw ValidationError("--data: give the dataset folder or CSV (or `data:` in --config)")
        }
        let backbone =
            try backbone ?? (file[Key.backbone.rawValue] as? String).map { name in
                guard let parsed = Backbone(rawValue: name) else {
                    throw ValidationError(
                        "\(config ?? "--config"): backbone '\(name)' is not one of \(Backbone.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                return parsed
            } ?? .vgg16bn
        let name =
            taskName ?? file[Key.taskName.rawValue] as? String ?? URL(fileURLWithPath: data).deletingPathExtension().lastPathComponent
        var c = try FinetuneConfig.paperDefaults(task: task, taskName: name, backbone: backbone).applying(file, source: config ?? "")
        c.task = task
        c.data = data
        c.backbone = backbone
        c.taskName = name
        if let encoder { c.encoder = EncoderSource(flag: encoder) }
        if freezeEncoder { c.freezeEncoder = true }
        if let size { (c.height, c.width) = try parseSize(size, multipleOf32: false) }
        if let epochs { c.epochs = epochs }
        if let batchSize { c.batchSize = batchSize }
        if let learningRate { c.learningRate = learningRate }
        if let seed { c.seed = seed }
        if let mode { c.classificationMode = mode }
        if let labelColumn { c.labelColumn = labelColumn }
        if let maskClasses { c.maskClasses = maskClasses.split(separator: ",").map(String.init) }
        if let decoderWidth { c.decoderBaseWidth = decoderWidth }
        if let trainFraction { c.trainFraction = trainFraction }
        if let maxImages { c.maxImages = maxImages }
        if noAugment { c.augment = false }
        if let device { c.device = device }
        if let threads { c.threads = threads }
        if let precision { c.precision = precision }
        if syncBatchnorm { c.syncBatchNorm = true }
        if let channelsLast { c.channelsLast = channelsLast }
        if let checkpointEvery { c.checkpointEvery = checkpointEvery }
        do { try c.validate() } catch let FinetuneError.invalidSetting(field, reason) {
            throw ValidationError("\(Self.option(for: field)): \(reason)")
        }
        return c
    }

    /// The option (or, for a YAML-only setting, the key) that sets a field.
    static func option(for field: String) -> String {
        Key(rawValue: field)?.option.map { "--\($0)" } ?? field
    }

    func run() throws {
        if try parallel.launchWorkersIfRequested() { return }
        let (environment, group) = try parallel.join(device: try effectiveConfig().device)
        try parallel.runAsRank(environment) { try train(environment: environment, group: group) }
    }

    private func train(environment: DistributedEnvironment?, group: ProcessGroup?) throws {
        var config = try effectiveConfig()
        if let environment { config.device = environment.device(for: config.device) }
        let primary = (group?.rank ?? 0) == 0
        // From here Ctrl-C checkpoints at the next step instead of losing the epoch.
        TrainingInterruption.install()
        // Steps as a bar or plain lines, and without a terminal a line at least every 30 s
        // (`SONOTAG_PROGRESS_INTERVAL`) even while one epoch or the data loading takes longer.
        let progress = primary ? ProgressReporter() : ProgressReporter(style: .silent)
        progress.startHeartbeat(label: "finetune")
        defer { progress.stopHeartbeat() }
        let log: (String) -> Void =
            primary
            ? { line in
                progress.recordOutput(line)
                emitLine(line)
            } : { _ in }
        let train = {
            try FinetuneRun.train(
                config: config, out: URL(fileURLWithPath: self.out), resume: self.resume,
                log: log, progress: progress, group: group)
        }
        let summary: FinetuneSummary
        do {
            // Before run.json, the run folder or any image: what fails in seconds fails now.
            try FinetuneRun.checkBeforeWork(config: config, out: URL(fileURLWithPath: out), resume: resume)
            // Rank 0 alone writes the run folder, run.json included.
            if primary {
                let dataPath = URL(fileURLWithPath: config.data).standardizedFileURL.path
                let record = try RunRecord.beginSession(
                    in: URL(fileURLWithPath: out), device: config.device, threads: config.threads,
                    data: RunRecord.DataIdentity(dataset: dataPath))
                summary = try record.around(train)
            } else {
                summary = try train()
            }
        } catch let FinetuneError.invalidSetting(field, reason) {
            throw ValidationError("\(Self.option(for: field)): \(reason)")
        } catch let FinetuneError.unusableFile(field, value, reason) {
            throw DataError("\(Self.option(for: field)) \(value): \(reason)")
        }
        if primary { print(summary.description) }
    }
}

/// `--size HxW` → (height, width), parsed as every command parses it (`ImageSize`); pretraining
/// needs multiples of 32, fine-tuning at least 32.
func parseSize(_ text: String, multipleOf32: Bool = true) throws -> (Int, Int) {
    do {
        let size = try ImageSize(parsing: text, multipleOf32 ? .multipleOf32 : .atLeast32)
        return (size.height, size.width)
    } catch {
        throw ValidationError("--size: \(error)")
    }
}

extension DownstreamTask: ExpressibleByArgument {}
extension ClassificationMode: ExpressibleByArgument {}

/// Prints one progress line and flushes, so logs redirected to a file show progress as it happens
/// (stdout is block-buffered when it is not a terminal).
func emitLine(_ text: String) {
    print(text)
    fflush(stdout)
}
