import ArgumentParser
import Foundation
import SonoData
import SonoModels
import SonoTagCommands
import SonoTrain
import Torch

struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: TrainingCommand.pretrain.rawValue,
        abstract: TrainingCommand.pretrain.abstract,
        discussion: """
            Defaults are the paper's: Adam β (0.9, 0.999), lr 1e-4 (F) and 1e-5 (D), batch 32, \
            200 epochs, λ_rec 0.999, λ_adv 0.001, 256×384 images, a centre mask of half height and \
            width filled with 0, except that D mean-pools its last feature map (the reference \
            code sums; see the README, "Inside the method, and the pretraining defaults").

            Settings come from the defaults, then --config (YAML with any subset of the keys \
            \(RunConfig.Key.allCases.map(\.rawValue).joined(separator: ", "))), then the options. \
            The effective configuration is written to RUN_DIR/config.yaml.

            Weak labels are the ones `sonotag labels` stored in the manifest; --labels FILE \
            relabels the manifest first, exactly as `sonotag labels --labels FILE` does. The run \
            records the mapping's hash and groups in RUN_DIR/weak_labels.yaml and its checkpoints.

            --preset paper starts from the paper-faithful values instead of SonoTag's defaults \
            (sum pooling; see the README, "Inside the method, and the pretraining defaults").

            RUN_DIR receives metrics.csv (one row per step and per epoch), \
            inpainting/epoch-NNNN.png and checkpoints/{best,last}.safetensors. --resume continues \
            the run as recorded: a finished run says so and trains nothing; --epochs N extends it; \
            --device, --threads, --precision and --sync-batchnorm may change, and so may the \
            number of processes; any other setting given that differs from the record is an error \
            naming it and both values.

            Data parallel: --nproc-per-node N runs N processes on this machine; under torchrun \
            (or any launcher setting RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) each \
            process joins the job the environment describes. --batch-size is the global batch, \
            split evenly over the processes; gradients of F and D are averaged over them, \
            --sync-batchnorm shares batch statistics, and rank 0 alone writes RUN_DIR.

            Example (a quick CPU run):
              sonotag pretrain --db cohort.sqlite --backbone resnet18 --size 128x192 --epochs 2 --max-images 64 --out runs/try
            """)

    @Option(name: .long, help: "Cohort database from `sonotag index` (with a stored split).")
    var db: String?

    @Option(name: .long, help: "Train on N generated images instead of a cohort (smoke tests, benchmarks).")
    var synthetic: Int?

    @Option(name: .long, help: "Run directory (created).")
    var out: String

    @Option(name: .long, help: "YAML file with settings (any subset).")
    var config: String?

    @Option(name: .long, help: "Starting settings before --config and options: sonotag (default) or paper.")
    var preset: PretrainPreset?

    @Option(name: .long, help: "Relabel the manifest with this labels.yaml first (as `sonotag labels --labels FILE`).")
    var labels: String?

    @Option(name: .long, help: "Image kinds to pretrain on: \(ImageKind.vocabulary) (default: bmode).")
    var kinds: String?

    // Each option's name and help come from its setting's declaration (`RunConfig.Key`).
    typealias Key = RunConfig.Key
    @Option(name: .customLong(Key.method.option!), help: ArgumentHelp(Key.method.help)) var method: PretrainMethod?
    @Option(name: .customLong(Key.backbone.option!), help: ArgumentHelp(Key.backbone.help)) var backbone: Backbone?
    @Option(name: .customLong(Key.epochs.option!), help: ArgumentHelp(Key.epochs.help)) var epochs: Int?
    @Option(name: .customLong(Key.batchSize.option!), help: ArgumentHelp(Key.batchSize.help)) var batchSize: Int?
    @Option(name: .customLong(Key.learningRateF.option!), help: ArgumentHelp(Key.learningRateF.help)) var lr: Double?
    @Option(name: .customLong(Key.learningRateD.option!), help: ArgumentHelp(Key.learningRateD.help)) var lrD: Double?
    @Option(name: .customLong(Key.lambdaRec.option!), help: ArgumentHelp(Key.lambdaRec.help)) var lambdaRec: Double?
    @Option(name: .customLong(Key.lambdaAdv.option!), help: ArgumentHelp(Key.lambdaAdv.help)) var lambdaAdv: Double?
    @Option(name: .customLong(Key.height.option!), help: ArgumentHelp(Key.height.help, valueName: "HxW")) var size: String?
    @Option(name: .customLong(Key.maskOverlap.option!), help: ArgumentHelp(Key.maskOverlap.help)) var maskOverlap: Int?
    @Option(name: .customLong(Key.maxImages.option!), help: ArgumentHelp(Key.maxImages.help)) var maxImages: Int?
    @Option(name: .customLong(Key.seed.option!), help: ArgumentHelp(Key.seed.help)) var seed: UInt64?
    @Option(name: .customLong(Key.initialWeights.option!), help: ArgumentHelp(Key.initialWeights.help)) var initialWeights: String?
    @Option(name: .customLong(Key.device.option!), help: ArgumentHelp(Key.device.help)) var device: String?
    @Option(name: .customLong(Key.threads.option!), help: ArgumentHelp(Key.threads.help)) var threads: Int?
    @Option(name: .customLong(Key.precision.option!), help: ArgumentHelp(Key.precision.help)) var precision: Precision?
    @Flag(name: .customLong(Key.syncBatchNorm.option!), help: ArgumentHelp(Key.syncBatchNorm.help)) var syncBatchnorm = false
    @Flag(name: .customLong(Key.channelsLast.option!), inversion: .prefixedNo, help: ArgumentHelp(Key.channelsLast.help))
    var channelsLast: Bool?
    @Option(name: .customLong(Key.checkpointEvery.option!), help: ArgumentHelp(Key.checkpointEvery.help, valueName: "N"))
    var checkpointEvery: Int?
    @OptionGroup var parallel: DataParallelOptions
    @Flag(name: .long, help: "Continue the run in --out as recorded (see above).") var resume = false
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Time N steps on a fixed random batch instead of training (make bench).",
            visibility: .hidden)) var benchSteps: Int?
    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --bench-steps: shortcuts to switch off, comma-separated (\(PretrainBenchmark.Shortcut.allCases.map(\.rawValue).joined(separator: ", ")), or none).",
            visibility: .hidden)) var benchWithout: String?

    func benchShortcutsOff() throws -> Set<PretrainBenchmark.Shortcut> {
        guard let benchWithout, benchWithout != "none" else { return [] }
        let names = benchWithout.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if names == ["all"] { return Set(PretrainBenchmark.Shortcut.allCases) }
        return Set(
            try names.map { name in
                guard let s = PretrainBenchmark.Shortcut(rawValue: name) else {
                    throw ValidationError(
                        "--bench-without: unknown shortcut '\(name)' (use \(PretrainBenchmark.Shortcut.allCases.map(\.rawValue).joined(separator: ", ")), all or none)"
                    )
                }
                return s
            })
    }

    // Spellings of an earlier release, kept hidden for one release.
    @Option(name: .long, help: .hidden) var height: Int?
    @Option(name: .long, help: .hidden) var width: Int?
    @Option(name: .customLong("lr-f"), help: .hidden) var lrF: Double?

    /// The defaults, then --config, then the options; and the settings asked for explicitly
    /// (keys in the config file and options given), which a resume compares with the record.
    func requestedConfig() throws -> (config: RunConfig, explicit: Set<Key>) {
        var c = (preset ?? .sonotag).config
        var explicit = Set<Key>()
        if let path = config { (c, explicit) = try RunConfig.loadWithKeys(from: URL(fileURLWithPath: path), base: c) }
        func set<T>(_ value: T?, _ keys: [Key], _ apply: (inout RunConfig, T) -> Void) {
            guard let value else { return }
            apply(&c, value)
            explicit.formUnion(keys)
        }
        set(method, [.method]) { $0.method = $1 }
        set(backbone, [.backbone]) { $0.backbone = $1 }
        set(epochs, [.epochs]) { $0.epochs = $1 }
        set(batchSize, [.batchSize]) { $0.batchSize = $1 }
        set(lr ?? lrF, [.learningRateF]) { $0.learningRateF = $1 }
        set(lrD, [.learningRateD]) { $0.learningRateD = $1 }
        set(lambdaRec, [.lambdaRec]) { $0.lambdaRec = $1 }
        set(lambdaAdv, [.lambdaAdv]) { $0.lambdaAdv = $1 }
        set(height, [.height]) { $0.height = $1 }
        set(width, [.width]) { $0.width = $1 }
        if let size {
            let parsed: ImageSize
            do { parsed = try ImageSize(parsing: size, .multipleOf32) } catch { throw ValidationError("--size: \(error)") }
            set(parsed, [.height, .width]) {
                $0.height = $1.height; $0.width = $1.width
            }
        }
        set(maskOverlap, [.maskOverlap]) { $0.maskOverlap = $1 }
        set(maxImages, [.maxImages]) { $0.maxImages = $1 }
        set(seed, [.seed]) { $0.seed = $1 }
        set(initialWeights, [.initialWeights]) { $0.initialWeights = $1 }
        set(device, [.device]) { $0.device = $1 }
        set(threads, [.threads]) { $0.threads = $1 }
        set(precision, [.precision]) { $0.precision = $1 }
        // A flag can only switch sharing on; `sync_batchnorm: false` in --config switches it off.
        set(syncBatchnorm ? true : nil, [.syncBatchNorm]) { $0.syncBatchNorm = $1 }
        set(channelsLast, [.channelsLast]) { $0.channelsLast = $1 }
        set(checkpointEvery, [.checkpointEvery]) { $0.checkpointEvery = $1 }
        // Stored absolute, so that the recorded run means the same file from any directory.
        if let path = c.initialWeights { c.initialWeights = URL(fileURLWithPath: path).standardizedFileURL.path }
        do { try c.validate() } catch { throw ValidationError(Self.flagged("\(error)")) }
        return (c, explicit)
    }

    /// A library message names settings by YAML key; on the command line, say the option too.
    static func flagged(_ message: String) -> String {
        var text = message
        for key in Key.allCases {
            guard let option = key.option, text.hasPrefix(key.rawValue + ":") else { continue }
            text = "--\(option) (\(key.rawValue))" + text.dropFirst(key.rawValue.count)
        }
        return text
    }

    func validate() throws {
        if lr != nil, lrF != nil { throw ValidationError("give --lr only (--lr-f is its old name)") }
        if size != nil, height != nil || width != nil { throw ValidationError("give --size HxW only (--height/--width are its old form)") }
        // The settings (--config included) are read in `run`: errors thrown here all exit as
        // usage errors, and a YAML or file error is a data error (README, "Exit codes").
        if let benchSteps {
            guard benchSteps >= 1 else { throw ValidationError("--bench-steps must be at least 1") }
            _ = try benchShortcutsOff()
            return
        }
        guard (db == nil) != (synthetic == nil) else {
            throw ValidationError("give exactly one of --db (a cohort database) or --synthetic N")
        }
        if let synthetic, synthetic < 4 { throw ValidationError("--synthetic needs at least 4 images") }
        if labels != nil, db == nil { throw ValidationError("--labels relabels a cohort database: give it with --db") }
        _ = try selectedKinds()
    }

    /// `--kinds`, parsed (the default when not given).
    func selectedKinds() throws -> [ImageKind] {
        do { return try kinds.map { try ImageKind.parseList($0) } ?? ImageKind.pretrainingDefault } catch {
            throw ValidationError("--kinds: \(error)")
        }
    }

    /// What fails in seconds, checked before run.json, the run folder or the cohort is touched
    /// (before, a wrong --device, --precision or --initial-weights surfaced only after
    /// config.yaml was written and the data opened, and exited as a runtime failure).
    private func checkBeforeWork(_ config: RunConfig) throws {
        let device: Device
        do { device = try Device(parsing: config.device) } catch let error as TorchError {
            throw ValidationError("--device \(config.device): \(error.message)")
        }
        do { try config.precision.validate(on: device) } catch let error as TorchError {
            throw ValidationError("--precision \(config.precision.rawValue): \(error.message)")
        }
        if let path = config.initialWeights {
            do { _ = try EncoderWeights.resolve(path) } catch let error as EncoderWeights.LoadError {
                throw DataError("--initial-weights \(path): \(error.reason)")
            }
        }
        if let labels {
            do { _ = try LabelMapping.chosen(path: labels) } catch { throw DataError("--labels \(labels): \(error)") }
        }
        // Without a split the training part is empty, which surfaced only after the run folder was written.
        if let db, try ManifestDatabase(path: db).splitHash() == nil {
            throw DataError("--db \(db) has no patient split, which pretraining needs; run `sonotag split --db \(db)` first")
        }
    }

    func run() throws {
        // Settings first: a bad --config must not start workers.
        let requested = try requestedConfig().0
        if benchSteps == nil, try parallel.launchWorkersIfRequested() { return }
        let (environment, group) = try parallel.join(device: requested.device)
        try parallel.runAsRank(environment) { try train(environment: environment, group: group) }
    }

    private func train(environment: DistributedEnvironment?, group: ProcessGroup?) throws {
        let primary = (group?.rank ?? 0) == 0
        if primary, height != nil || width != nil { DeprecatedOption.warn("--height/--width", use: "--size HxW") }
        if primary, lrF != nil { DeprecatedOption.warn("--lr-f", use: "--lr") }
        var (config, explicit) = try requestedConfig()
        let runDirectory = URL(fileURLWithPath: out)
        if resume && benchSteps == nil {
            // The run continues as recorded; image size, splits and seed come from its checkpoint.
            let plan: ResumePlan
            do { plan = try resumePlan(runDirectory: runDirectory, requested: config, explicit: explicit) } catch let error as PretrainError
            {
                throw ValidationError(Self.flagged("\(error)"))
            }
            if case .finished(let recorded, let completed, let bestEpoch, let bestLoss) = plan {
                guard primary else { return }
                print(
                    String(
                        format:
                            "%@ is finished: %d of %d epochs trained (best validation L_F %.6g at epoch %d); nothing to do. To train longer, pass --resume --epochs N with N > %d.",
                        out, completed, recorded.epochs, bestLoss, bestEpoch, completed))
                return
            }
            config = plan.config
        }
        // After the resume plan: a recorded `cuda` becomes this rank's own GPU too.
        if let environment { config.device = environment.device(for: config.device) }
        try checkBeforeWork(config)
        if let benchSteps {
            let off = try benchShortcutsOff()
            let r = try PretrainBenchmark.run(config: config, steps: benchSteps, without: off)
            let offNames = off.isEmpty ? "none" : off.map(\.rawValue).sorted().joined(separator: ",")
            print(
                String(
                    format: "backbone=%@ threads=%d ms_per_step=%.1f peak_rss_mb=%.0f loss_d=%.4f loss_f=%.4f without=%@ libtorch=%@",
                    config.backbone.rawValue, TorchRuntime.threadCount, r.millisecondsPerStep, r.peakResidentMegabytes,
                    r.lastLosses.discriminator ?? .nan, r.lastLosses.generator, offNames, TorchRuntime.version))
            return
        }
        // run.json: command, build and data identity; a resumed run must train on the same split.
        let runFolder = URL(fileURLWithPath: out)
        let identity = try db.map { try RunRecord.DataIdentity.ofManifest(at: $0) } ?? RunRecord.DataIdentity()
        if resume, let db, let recorded = try RunRecord.read(from: runFolder)?.lastSplitHash, recorded != identity.splitHash {
            throw SonoDataError.invalidSplit(
                "the patient split of \(db) changed since \(out) was started (split hash \(recorded), now \(identity.splitHash ?? "none")); resuming would train and validate on other patients. Restore it with `sonotag split --import FILE` or start a new --out"
            )
        }
        // Rank 0 alone writes RUN_DIR, run.json included.
        guard primary else { return try pretrainRun(config: config, group: group) }
        let record = try RunRecord.beginSession(in: runFolder, device: config.device, threads: config.threads, data: identity)
        try record.around { try pretrainRun(config: config, group: group) }
    }

    private func pretrainRun(config: RunConfig, group: ProcessGroup?) throws {
        let primary = (group?.rank ?? 0) == 0
        let runDirectory = URL(fileURLWithPath: out)
        // Started before the cohort is opened: preparing its cache can take minutes too.
        let progress = primary ? ProgressReporter() : ProgressReporter(style: .silent)
        progress.startHeartbeat(label: "pretrain")
        defer { progress.stopHeartbeat() }
        let train: PretrainBatchSource, validation: PretrainBatchSource
        if let synthetic {
            let nVal = max(2, synthetic / 5)
            train = try InMemoryBatchSource.synthetic(count: synthetic, height: config.height, width: config.width, seed: config.seed)
            validation = try InMemoryBatchSource.synthetic(count: nVal, height: config.height, width: config.width, seed: config.seed &+ 1)
        } else if let db {
            let selected = try selectedKinds()
            if kinds == nil, primary { print("image kinds: bmode (the default; --kinds chooses others)") }
            if let labels {
                // One process writes the manifest; the others open it once it holds the new labels.
                if primary { try relabelBeforeTraining(db: db, labels: labels, runDirectory: runDirectory) }
                if let group, group.worldSize > 1 { try group.barrier() }
            }
            do {
                (train, validation) = try openCohort(db: db, config: config, kinds: ImageKind.filter(selected))
            } catch SonoDataError.noStoredLabels(let manifest) {
                throw ValidationError(
                    "\(SonoDataError.noStoredLabels(manifest: manifest)), or pass --labels FILE (a labels.yaml) to label it now")
            }
        } else {
            throw ValidationError("give --db or --synthetic")
        }
        // From here Ctrl-C checkpoints at the next step instead of losing the epoch.
        TrainingInterruption.install()
        let summary = try pretrain(
            config: config, train: train, validation: validation,
            runDirectory: runDirectory, resume: resume, progress: progress, group: group)
        guard primary else { return }
        print(
            String(
                format: "done: %d epochs; best validation L_F %.6g at epoch %d; checkpoints in %@",
                summary.epochsCompleted, summary.bestValidationLoss, summary.bestEpoch,
                summary.bestCheckpoint.deletingLastPathComponent().path))
    }

    /// `--labels FILE`: relabel the manifest as `sonotag labels --labels FILE` would. A resumed
    /// run must keep its mapping, so that is checked before the manifest is touched.
    private func relabelBeforeTraining(db: String, labels: String, runDirectory: URL) throws {
        let mapping: LabelMapping
        do { mapping = try LabelMapping.chosen(path: labels) } catch { throw ValidationError("--labels: \(error)") }
        if resume {
            let (checkpoint, _) = try PretrainCheckpoint.read(PretrainRunLayout(runDirectory).lastCheckpoint)
            guard checkpoint.labelMappingHash == mapping.hash else {
                throw ValidationError(
                    "--labels \(labels): \(PretrainError.labelMismatch(expected: checkpoint.labelMappingHash, found: mapping.hash)); the manifest was left unchanged"
                )
            }
        }
        let report = try relabel(db: db, with: mapping)
        print(
            "labels: stored mapping \(report.mappingHash.prefix(12)) (\(labels), K = \(report.groupNames.count)) for \(report.labelledFiles) ok images in \(db)"
        )
    }
}

extension PretrainMethod: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
extension PretrainPreset: ExpressibleByArgument {}
