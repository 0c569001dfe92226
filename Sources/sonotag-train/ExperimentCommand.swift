import ArgumentParser
import Foundation
import SonoEval
import SonoModels
import SonoTagCommands
import SonoTrain

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: TrainingCommand.experiment.rawValue,
        abstract: TrainingCommand.experiment.abstract,
        subcommands: [Table2.self, LowData.self])

    /// Options both experiments share. Each is also a key of `--config FILE.yaml` and of the
    /// recorded OUT/experiment-*.yaml (`ExperimentFile`), spelled with `_` for `-`; an option given
    /// on the command line overrides the file.
    struct Shared: ParsableArguments {
        // Option names come from the settings file's keys (`ExperimentFile.Key`), so the two never drift apart.
        typealias Key = ExperimentFile.Key
        @Option(help: "YAML file with any subset of the options below as snake_case keys (e.g. a recorded OUT/experiment-table2.yaml).")
        var config: String?

        @Option(help: "The cohort database written by `sonotag index` (pretraining data).")
        var db: String?

        @Option(
            name: .customLong(Key.task.option),
            help: ArgumentHelp(
                "A downstream task NAME=PATH or NAME:segmentation=PATH / NAME:classification=PATH (repeatable).",
                valueName: "NAME=PATH"))
        var tasks: [String] = []

        @Option(
            name: .customLong(Key.backbone.option),
            help: ArgumentHelp(
                "Comma-separated backbones: \(Backbone.allCases.map(\.rawValue).joined(separator: ", ")) (default vgg16bn,resnet50).",
                valueName: "B[,B…]"))
        var backbone: String?
        @Option(name: .customLong("backbones"), help: .hidden) var backbonesDeprecated: String?

        @Option(
            help: "Relabel the cohort with this labels.yaml first (as `sonotag labels --labels FILE`); default: the labels stored in it.")
        var labels: String?

        @Option(
            name: .customLong(Key.imagenet.option),
            help: ArgumentHelp(
                "torchvision ImageNet weights for a backbone, as BACKBONE=PATH.safetensors (repeatable).", valueName: "B=PATH"))
        var imagenet: [String] = []

        @Option(help: ArgumentHelp("Input size HxW for pretraining and fine-tuning (default 256x384).", valueName: "HxW")) var size: String?
        @Option(name: .customLong(Key.pretrainEpochs.option), help: "`pretrain --epochs` (default: the paper's 200).") var pretrainEpochs:
            Int?
        @Option(name: .customLong(Key.pretrainBatchSize.option), help: "`pretrain --batch-size` (default 32).") var pretrainBatchSize: Int?
        @Option(name: .customLong(Key.pretrainMaxImages.option), help: "`pretrain --max-images`.") var pretrainMaxImages: Int?
        @Option(
            name: .customLong(Key.finetuneEpochs.option),
            help: "`finetune --epochs` (default: Table A2, 300 classification, 500 segmentation).") var finetuneEpochs: Int?
        @Option(name: .customLong(Key.finetuneBatchSize.option), help: "`finetune --batch-size` (default: Table A2).")
        var finetuneBatchSize: Int?
        @Option(name: .customLong(Key.finetuneMaxImages.option), help: "`finetune --max-images`.") var finetuneMaxImages: Int?
        @Option(name: .customLong(Key.finetuneLr.option), help: "`finetune --lr` (default: Table A2's).") var finetuneLR: Double?
        @Option(name: .customLong(Key.decoderWidth.option), help: "`finetune --decoder-width`: U-Net decoder base width (default 32).")
        var decoderWidth: Int?
        @Option(help: "Bootstrap resamples per evaluation (default 1000).") var resamples: Int?
        @Option(help: "Overlay PNGs per evaluation (default 8).") var overlays: Int?
        @Option(help: "Random seed (default 0).") var seed: UInt64?
        @Option(help: "cpu or cuda[:n] (default cpu).") var device: String?
        @Option(help: "libtorch intra-op threads (default: every core this process may use, or OMP_NUM_THREADS).") var threads: Int?
        @Option(help: "Experiment folder; rerunning with the same folder resumes.") var out: String?
        @Option(
            help:
                "Repeat pretraining and fine-tuning with seeds SEED … SEED+N−1 (table2); Table 2 shows mean ± std across seeds and paired tests (default 1)."
        )
        var seeds: Int?
        @Option(name: .customLong(Key.pretrainPreset.option), help: "`pretrain --preset`: sonotag (default) or paper.")
        var pretrainPreset: PretrainPreset?
        @Option(
            name: .customLong(Key.pretrainConfig.option), help: "`pretrain --config`: YAML with pretraining settings on top of the preset.")
        var pretrainConfig: String?

        /// Runs `body` with a runner that numbers every sub-run in the whole plan (with a plan ETA,
        /// and a line at least every 30 s), inside a session of OUT/run.json (command, build,
        /// device, the cohort's identity).
        func run<T>(
            _ options: ExperimentOptions, lowData: (fraction: Double, repeats: Int)? = nil,
            _ body: (ExperimentRunner) throws -> T
        ) throws -> T {
            let progress = ExperimentProgress(
                total: try ExperimentRunner(options: options, log: emitLine).planSize(lowData: lowData),
                output: emitLine)
            var runner = ExperimentRunner(options: options, log: progress.line)
            runner.progress = progress
            let record = try RunRecord.beginSession(
                in: options.out, device: options.device, threads: options.threads,
                data: try RunRecord.DataIdentity.ofManifest(at: options.database))
            progress.startHeartbeat()
            defer { progress.finish() }
            return try record.around { try body(runner) }
        }

        /// The option for a plan field (a settings-file key); the library names fields, not flags.
        static func option(for field: String) -> String {
            Key(rawValue: field).map { "--\($0.option)" } ?? field
        }

        func file() throws -> ExperimentFile {
            guard let config else { return ExperimentFile() }
            do { return try ExperimentFile.load(from: URL(fileURLWithPath: config)) } catch { throw ValidationError("--config: \(error)") }
        }

        func options(configs: String?, defaultConfigs: String, file: ExperimentFile) throws -> ExperimentOptions {
            let configurations: [PretrainingConfiguration]
            do {
                configurations = try PretrainingConfiguration.parseList(configs ?? file.configs?.joined(separator: ",") ?? defaultConfigs)
            } catch let ExperimentError.invalidPlan(_, reason) {
                throw ValidationError("--configs: \(reason)")
            }
            guard let db = db ?? file.db else { throw ValidationError("--db: give the cohort database (or `db:` in --config)") }
            guard let out = out ?? file.out else { throw ValidationError("--out: give the experiment folder (or `out:` in --config)") }
            let taskFlags = tasks.isEmpty ? file.task ?? [] : tasks
            guard !taskFlags.isEmpty else { throw ValidationError("--task: give at least one downstream task NAME=PATH") }
            let specs: [ExperimentTaskSpec]
            do { specs = try taskFlags.map { try ExperimentTaskSpec(flag: $0) } } catch let ExperimentError.invalidPlan(_, reason) {
                throw ValidationError("--task: \(reason)")
            }
            let (height, width) = try parseSize(size ?? file.size ?? "256x384")
            if backbonesDeprecated != nil { DeprecatedOption.warn("--backbones", use: "--backbone B[,B…]") }
            if backbone != nil, backbonesDeprecated != nil { throw ValidationError("give --backbone only (--backbones is its old name)") }
            let names = (backbone ?? backbonesDeprecated).map(commaSeparated) ?? file.backbone ?? ["vgg16bn", "resnet50"]
            guard !names.isEmpty else { throw ValidationError("--backbone: give at least one backbone") }
            let backbones = try names.map { name -> Backbone in
                guard let parsed = Backbone(rawValue: name.lowercased()) else {
                    throw ValidationError(
                        "--backbone: '\(name)' is not one of \(Backbone.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return parsed
            }
            var options = ExperimentOptions(
                database: db, tasks: specs, backbones: backbones,
                configurations: configurations, out: URL(fileURLWithPath: out))
            options.labels = labels ?? file.labels
            for entry in imagenet.isEmpty ? file.imagenet ?? [] : imagenet {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let key = Backbone(rawValue: parts[0].lowercased()) else {
                    throw ValidationError(
                        "--imagenet '\(entry)' is not BACKBONE=PATH with a backbone of \(Backbone.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                options.imagenetWeights[key] = parts[1]
            }
            options.height = height
            options.width = width
            options.pretrainEpochs = pretrainEpochs ?? file.pretrainEpochs
            options.pretrainBatchSize = pretrainBatchSize ?? file.pretrainBatchSize
            options.pretrainMaxImages = pretrainMaxImages ?? file.pretrainMaxImages
            options.finetuneEpochs = finetuneEpochs ?? file.finetuneEpochs
            options.finetuneBatchSize = finetuneBatchSize ?? file.finetuneBatchSize
            options.finetuneMaxImages = finetuneMaxImages ?? file.finetuneMaxImages
            options.finetuneLearningRate = finetuneLR ?? file.finetuneLr
            options.decoderBaseWidth = decoderWidth ?? file.decoderWidth
            options.resamples = resamples ?? file.resamples ?? options.resamples
            options.overlays = overlays ?? file.overlays ?? options.overlays
            options.seed = seed ?? file.seed ?? options.seed
            options.device = device ?? file.device ?? options.device
            options.threads = threads ?? file.threads
            let seedCount = seeds ?? file.seeds ?? 1
            guard seedCount >= 1 else { throw ValidationError("--seeds must be at least 1") }
            options.seeds = seedCount
            let configPath = pretrainConfig ?? file.pretrainConfig
            if let configPath, !FileManager.default.fileExists(atPath: configPath) {
                throw DataError("--pretrain-config \(configPath): no such file")
            }
            // Read once, now: a typo fails before hours of fine-tuning, and every sub-run plans from this reading.
            do { try options.setPretraining(preset: pretrainPreset ?? file.pretrainPreset ?? .sonotag, configPath: configPath) } catch {
                throw ValidationError("--pretrain-config: \(error)")
            }
            return options
        }
    }

    struct Table2: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "table2",
            abstract: "Pretrain once per configuration and backbone, fine-tune every task, evaluate, write Table 2.",
            discussion: """
                Writes OUT/table2.md and OUT/table2.csv (with the paper's reported numbers alongside), \
                OUT/report.html (self-contained: tables, loss curves, in-painting grids, overlays) and \
                OUT/experiment-table2.yaml (the effective settings, readable by --config).
                Pretraining uses the weak labels stored in the cohort (`sonotag labels`), or relabels it \
                first with --labels FILE.
                An interrupted experiment resumes where it stopped when rerun with the same --out; a \
                finished sub-run is reused only when its recorded settings equal the rerun's, else \
                nothing runs and the differing settings are listed.
                """)

        @OptionGroup var shared: Shared
        @Option(help: "Comma-separated: baseline, imagenet, dcm, ce, ce+dcm, ce+dcm+f (default all).")
        var configs: String?

        func run() throws {
            let file = try shared.file()
            let options = try shared.options(configs: configs, defaultConfigs: "baseline,imagenet,dcm,ce,ce+dcm,ce+dcm+f", file: file)
            // The library names plan fields; on the command line, the option that sets each.
            do { try shared.run(options) { runner in try runner.runTable2() } } catch let ExperimentError.invalidPlan(field, reason) {
                throw DataError("\(Shared.option(for: field)): \(reason)")
            }
            print("Table 2: \(options.out.appendingPathComponent("table2.md").path)")
            print("report:  \(options.out.appendingPathComponent("report.html").path)")
        }
    }

    struct LowData: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lowdata",
            abstract: "Repeated fine-tuning on a small share of the training data; box plots and paired Wilcoxon tests (Figure 6).")

        @OptionGroup var shared: Shared
        @Option(help: "Comma-separated configurations to compare (default baseline,dcm,ce,ce+dcm,ce+dcm+f).") var configs: String?
        @Option(help: "Share of the training images kept in each repeat (default 0.05).") var fraction: Double?
        @Option(help: "Repeats (different training subsets, shared by all configurations; default 10).") var repeats: Int?

        func run() throws {
            let file = try shared.file()
            let options = try shared.options(configs: configs, defaultConfigs: "baseline,dcm,ce,ce+dcm,ce+dcm+f", file: file)
            let results: [LowDataResult]
            let study = (fraction: fraction ?? file.fraction ?? 0.05, repeats: repeats ?? file.repeats ?? 10)
            do {
                results = try shared.run(options, lowData: study) { runner in
                    try runner.runLowData(fraction: study.fraction, repeats: study.repeats)
                }
            } catch let ExperimentError.invalidPlan(field, reason) {
                throw ValidationError("\(Shared.option(for: field)): \(reason)")
            }
            for result in results {
                for c in result.comparisons {
                    print(
                        "\(result.backbone.rawValue) \(result.task) \(c.first) vs \(c.second): median Δ\(result.metric) \(String(format: "%+.4f", c.medianDifference)), p = \(c.pValue.map { String(format: "%.4g", $0) } ?? "n/a")"
                    )
                }
            }
            print("report: \(options.out.appendingPathComponent("report.html").path)")
        }
    }
}
