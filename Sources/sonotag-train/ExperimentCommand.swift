import ArgumentParser
import Foundation
import SonoTagCommands
import SonoTrain

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: TrainingCommand.experiment.rawValue,
        abstract: TrainingCommand.experiment.abstract,
        subcommands: [Table2.self, LowData.self])

    /// Flags both experiments share.
    struct Shared: ParsableArguments {
        @Option(help: "The cohort database written by `sonotag index` (pretraining data).")
        var db: String

        @Option(name: .customLong("task"), help: ArgumentHelp(
            "A downstream task NAME=PATH or NAME:segmentation=PATH / NAME:classification=PATH (repeatable).",
            valueName: "NAME=PATH"))
        var tasks: [String] = []

        @Option(help: "Comma-separated backbones: vgg16bn, resnet50, resnet18, vgg11bn.")
        var backbones: String = "vgg16bn,resnet50"

        @Option(name: .customLong("imagenet"), help: ArgumentHelp(
            "torchvision ImageNet weights for a backbone, as BACKBONE=PATH.safetensors (repeatable).", valueName: "B=PATH"))
        var imagenet: [String] = []

        @Option(help: "Input size HxW for pretraining and fine-tuning (default 256x384).") var size: String = "256x384"
        @Option(name: .customLong("pretrain-epochs"), help: "Default: the paper's 200.") var pretrainEpochs: Int?
        @Option(name: .customLong("pretrain-batch-size")) var pretrainBatchSize: Int?
        @Option(name: .customLong("pretrain-max-images")) var pretrainMaxImages: Int?
        @Option(name: .customLong("finetune-epochs"), help: "Default: Table A2 (300 classification, 500 segmentation).") var finetuneEpochs: Int?
        @Option(name: .customLong("finetune-batch-size")) var finetuneBatchSize: Int?
        @Option(name: .customLong("finetune-max-images")) var finetuneMaxImages: Int?
        @Option(name: .customLong("finetune-lr"), help: "Fine-tuning learning rate (default: Table A2's).") var finetuneLR: Double?
        @Option(name: .customLong("decoder-width"), help: "U-Net decoder base width (default 32).") var decoderWidth: Int?
        @Option(help: "Bootstrap resamples per evaluation.") var resamples: Int = 1000
        @Option(help: "Overlay PNGs per evaluation.") var overlays: Int = 8
        @Option var seed: UInt64 = 0
        @Option(help: "Repeat pretraining and fine-tuning with seeds SEED … SEED+N−1 (table2); Table 2 shows mean ± std across seeds and paired tests.")
        var seeds: Int = 1
        @Option(name: .customLong("pretrain-preset"), help: "Pretraining settings to start from: sonotag (default) or paper.")
        var pretrainPreset: PretrainPreset = .sonotag
        @Option(name: .customLong("pretrain-config"), help: "YAML with pretraining settings on top of the preset (keys of `pretrain --config`).")
        var pretrainConfig: String?
        @Option(help: "cpu or cuda[:n].") var device: String = "cpu"
        @Option(help: "libtorch intra-op threads.") var threads: Int?
        @Option(help: "Experiment folder; rerunning with the same folder resumes.") var out: String

        func options(configurations: [PretrainingConfiguration]) throws -> ExperimentOptions {
            guard !tasks.isEmpty else { throw ValidationError("--task: give at least one downstream task NAME=PATH") }
            let specs = try tasks.map { try ExperimentTaskSpec(flag: $0) }
            let (height, width) = try parseSize(size)
            var options = ExperimentOptions(database: db, tasks: specs,
                                            backbones: backbones.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) },
                                            configurations: configurations, out: URL(fileURLWithPath: out))
            for entry in imagenet {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--imagenet '\(entry)' is not BACKBONE=PATH") }
                options.imagenetWeights[parts[0]] = parts[1]
            }
            options.height = height
            options.width = width
            options.pretrainEpochs = pretrainEpochs
            options.pretrainBatchSize = pretrainBatchSize
            options.pretrainMaxImages = pretrainMaxImages
            options.finetuneEpochs = finetuneEpochs
            options.finetuneBatchSize = finetuneBatchSize
            options.finetuneMaxImages = finetuneMaxImages
            options.finetuneLearningRate = finetuneLR
            options.decoderBaseWidth = decoderWidth
            options.resamples = resamples
            options.overlays = overlays
            options.seed = seed
            guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
            options.seeds = seeds
            options.pretrainPreset = pretrainPreset
            if let pretrainConfig {
                guard FileManager.default.fileExists(atPath: pretrainConfig) else { throw ValidationError("--pretrain-config \(pretrainConfig): no such file") }
                // Read now, so a typo fails before hours of fine-tuning rather than at the first pretraining.
                do { _ = try RunConfig.load(from: URL(fileURLWithPath: pretrainConfig), base: pretrainPreset.config) } catch {
                    throw ValidationError("--pretrain-config: \(error)")
                }
                options.pretrainConfigPath = pretrainConfig
            }
            options.device = device
            options.threads = threads
            return options
        }
    }

    struct Table2: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "table2",
            abstract: "Pretrain once per configuration and backbone, fine-tune every task, evaluate, write Table 2.",
            discussion: """
            Writes OUT/table2.md and OUT/table2.csv (with the paper's reported numbers alongside) and \
            OUT/report.html (self-contained: tables, loss curves, in-painting grids, overlays).
            An interrupted experiment resumes where it stopped when rerun with the same --out.
            """)

        @OptionGroup var shared: Shared
        @Option(help: "Comma-separated: baseline, imagenet, dcm, ce, ce+dcm, ce+dcm+f.")
        var configs: String = "baseline,imagenet,dcm,ce,ce+dcm,ce+dcm+f"

        func run() throws {
            let options = try shared.options(configurations: try PretrainingConfiguration.parseList(configs))
            let runner = ExperimentRunner(options: options, log: emitLine)
            try runner.runTable2()
            print("Table 2: \(options.out.appendingPathComponent("table2.md").path)")
            print("report:  \(options.out.appendingPathComponent("report.html").path)")
        }
    }

    struct LowData: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lowdata",
            abstract: "Repeated fine-tuning on a small share of the training data; box plots and paired Wilcoxon tests (Figure 6).")

        @OptionGroup var shared: Shared
        @Option(help: "Comma-separated configurations to compare.") var configs: String = "baseline,dcm,ce,ce+dcm,ce+dcm+f"
        @Option(help: "Share of the training images kept in each repeat.") var fraction: Double = 0.05
        @Option(help: "Repeats (different training subsets, shared by all configurations).") var repeats: Int = 10

        func run() throws {
            let options = try shared.options(configurations: try PretrainingConfiguration.parseList(configs))
            let runner = ExperimentRunner(options: options, log: emitLine)
            let results = try runner.runLowData(fraction: fraction, repeats: repeats)
            for result in results {
                for c in result.comparisons {
                    print("\(result.backbone) \(result.task) \(c.first) vs \(c.second): median Δ\(result.metric) \(String(format: "%+.4f", c.medianDifference)), p = \(c.pValue.map { String(format: "%.4g", $0) } ?? "n/a")")
                }
            }
            print("report: \(options.out.appendingPathComponent("report.html").path)")
        }
    }
}
