import ArgumentParser
import Foundation
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

            --preset paper starts from the paper-faithful values instead (sum pooling).

            Settings come from the preset, then --config (YAML with any subset of the keys method, \
            backbone, height, width, batch_size, epochs, lr_f, lr_d, beta1, beta2, adam_eps, \
            weight_decay, lambda_rec, lambda_adv, mask_overlap, mask_fill, decoder_widths, \
            discriminator_widths, discriminator_pooling, discriminator_norm, d_steps, seed, max_images, grid_images, \
            initial_weights, device, threads, train_split, val_split), then the flags. The \
            effective configuration is written to RUN_DIR/config.yaml.

            RUN_DIR receives metrics.csv (one row per step and per epoch), \
            inpainting/epoch-NNNN.png and checkpoints/{best,last}.safetensors. --resume continues \
            a stopped run exactly, with the settings saved in its checkpoint; only --epochs, \
            --device and --threads may change (raise --epochs to train longer).

            Example (a quick CPU run):
              sonotag pretrain --db cohort.sqlite --backbone resnet18 --height 128 --width 192 --epochs 2 --max-images 64 --out runs/try
            """)

    @Option(name: .long, help: "Cohort database from `sonotag index` (with a stored split).")
    var db: String?

    @Option(name: .long, help: "Train on N generated images instead of a cohort (smoke tests, benchmarks).")
    var synthetic: Int?

    @Option(name: .long, help: "Run directory (created).")
    var out: String

    @Option(name: .long, help: "YAML file with settings (any subset).")
    var config: String?

    @Option(name: .long, help: "Starting settings before --config and flags: sonotag (default) or paper.")
    var preset: PretrainPreset?

    @Option(name: .long, help: "Weak-label mapping YAML (default: the paper's Table A1 mapping).")
    var labels: String?

    @Option(name: .long, help: "ce+dcm | ce | dcm.") var method: PretrainMethod?
    @Option(name: .long, help: "vgg16bn | resnet50 | resnet18 | vgg11bn.") var backbone: Backbone?
    @Option(name: .long, help: "Epochs (paper: 200).") var epochs: Int?
    @Option(name: .long, help: "Batch size (paper: 32).") var batchSize: Int?
    @Option(name: .customLong("lr-f"), help: "Learning rate of the context encoder F (paper: 1e-4).") var lrF: Double?
    @Option(name: .customLong("lr-d"), help: "Learning rate of the discriminator D (paper: 1e-5).") var lrD: Double?
    @Option(name: .long, help: "Weight of the reconstruction loss (default 0.999).") var lambdaRec: Double?
    @Option(name: .long, help: "Weight of the adversarial loss (default 0.001).") var lambdaAdv: Double?
    @Option(name: .long, help: "Image height, a multiple of 32 (paper: 256).") var height: Int?
    @Option(name: .long, help: "Image width, a multiple of 32 (paper: 384).") var width: Int?
    @Option(name: .long, help: "Pixels of true centre left visible around the hole (default 0).") var maskOverlap: Int?
    @Option(name: .long, help: "Use at most this many training images per epoch.") var maxImages: Int?
    @Option(name: .long, help: "Random seed (weights, data order, augmentation).") var seed: UInt64?
    @Option(name: .long, help: "Initial encoder weights (torchvision names, e.g. ImageNet).") var initialWeights: String?
    @Option(name: .long, help: "cpu or cuda[:n].") var device: String?
    @Option(name: .long, help: "libtorch intra-op threads.") var threads: Int?
    @Flag(name: .long, help: "Continue the run in --out from its last checkpoint.") var resume = false
    @Option(name: .long, help: ArgumentHelp("Time N steps on a fixed random batch instead of training (make bench).",
                                            visibility: .hidden)) var benchSteps: Int?

    func effectiveConfig() throws -> RunConfig {
        var c = (preset ?? .sonotag).config
        if let path = config { c = try RunConfig.load(from: URL(fileURLWithPath: path), base: c) }
        if let method { c.method = method }
        if let backbone { c.backbone = backbone }
        if let epochs { c.epochs = epochs }
        if let batchSize { c.batchSize = batchSize }
        if let lrF { c.learningRateF = lrF }
        if let lrD { c.learningRateD = lrD }
        if let lambdaRec { c.lambdaRec = lambdaRec }
        if let lambdaAdv { c.lambdaAdv = lambdaAdv }
        if let height { c.height = height }
        if let width { c.width = width }
        if let maskOverlap { c.maskOverlap = maskOverlap }
        if let maxImages { c.maxImages = maxImages }
        if let seed { c.seed = seed }
        if let initialWeights { c.initialWeights = initialWeights }
        if let device { c.device = device }
        if let threads { c.threads = threads }
        do { try c.validate() } catch { throw ValidationError("\(error)") }
        return c
    }

    func validate() throws {
        if let benchSteps {
            guard benchSteps >= 1 else { throw ValidationError("--bench-steps must be at least 1") }
            _ = try effectiveConfig()
            return
        }
        guard (db == nil) != (synthetic == nil) else {
            throw ValidationError("give exactly one of --db (a cohort database) or --synthetic N")
        }
        if let synthetic, synthetic < 4 { throw ValidationError("--synthetic needs at least 4 images") }
        _ = try effectiveConfig()
    }

    func run() throws {
        var config = try effectiveConfig()
        if resume && benchSteps == nil {
            // Image size, splits and seed come from the run being resumed.
            config = try resumedConfig(runDirectory: URL(fileURLWithPath: out), requested: config)
        }
        if let benchSteps {
            let r = try PretrainBenchmark.run(config: config, steps: benchSteps)
            print(String(format: "backbone=%@ threads=%d ms_per_step=%.1f peak_rss_mb=%.0f loss_d=%.4f loss_f=%.4f",
                         config.backbone.rawValue, TorchRuntime.threadCount, r.millisecondsPerStep, r.peakResidentMegabytes,
                         r.lastLosses.discriminator ?? .nan, r.lastLosses.generator))
            return
        }
        let train: PretrainBatchSource, validation: PretrainBatchSource
        if let synthetic {
            let nVal = max(2, synthetic / 5)
            train = try InMemoryBatchSource.synthetic(count: synthetic, height: config.height, width: config.width, seed: config.seed)
            validation = try InMemoryBatchSource.synthetic(count: nVal, height: config.height, width: config.width, seed: config.seed &+ 1)
        } else if let db {
            (train, validation) = try openCohort(db: db, labels: labels, config: config)
        } else {
            throw ValidationError("give --db or --synthetic")
        }
        let summary = try pretrain(config: config, train: train, validation: validation,
                                   runDirectory: URL(fileURLWithPath: out), resume: resume)
        print(String(format: "done: %d epochs; best validation L_F %.6g at epoch %d; checkpoints in %@",
                     summary.epochsCompleted, summary.bestValidationLoss, summary.bestEpoch,
                     summary.bestCheckpoint.deletingLastPathComponent().path))
    }
}

extension PretrainMethod: ExpressibleByArgument {}
extension PretrainPreset: ExpressibleByArgument {}
