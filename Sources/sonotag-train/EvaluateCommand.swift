import ArgumentParser
import Foundation
import SonoData
import SonoSupport
import SonoTagCommands
import SonoTrain

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: TrainingCommand.evaluate.rawValue,
        abstract: TrainingCommand.evaluate.abstract,
        discussion: """
            Segmentation: Dice, IoU and Hausdorff-95 (pixels). Classification: accuracy, macro-F1, \
            quadratic-weighted kappa and AUC. Each is reported as mean ± std over 1000 bootstrap \
            resamples of 50 % of the test images, with replacement, seeded.
            Writes RUN_DIR/evaluation/{metrics.json, metrics.md, per_image.csv, overlays/*.png} for the \
            run's own data, RUN_DIR/evaluation-NAME/ for another --data (NAME: its folder or CSV name). \
            metrics.json records the data, the split, the checkpoint and how many images were scored. \
            Data without a split column (nor a patient column) is scored whole; images the run \
            trained or validated on are never scored.
            """)

    @Argument(help: "A run folder written by `sonotag finetune`.")
    var runDirectory: String

    @Option(help: "Test data (folder or CSV); default: the run's own data.")
    var data: String?

    @Option(help: "Which split of the data to evaluate: test, val or train.")
    var split: String = "test"

    @Flag(name: .customLong("all-images"), help: "Evaluate every image of --data regardless of its split column.")
    var allImages = false

    @Option(help: "Output folder (default RUN_DIR/evaluation, or RUN_DIR/evaluation-NAME for another --data).")
    var out: String?

    @Option(help: "Bootstrap resamples.") var resamples: Int = 1000
    @Option(name: .customLong("sample-fraction"), help: "Share of the test set in each resample.") var sampleFraction: Double = 0.5
    @Option var seed: UInt64 = 0
    @Option(help: "Overlay PNGs to write (0 for none).") var overlays: Int = 16
    @Option(help: "libtorch intra-op threads (default: every core this process may use, or OMP_NUM_THREADS).") var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        guard let chosen = SplitName(loose: split) else {
            throw ValidationError("--split '\(split)' is not train, val or test")
        }
        var options = EvaluationOptions()
        options.data = data
        options.split = allImages ? nil : chosen
        options.out = out.map { URL(fileURLWithPath: $0) }
        options.resamples = resamples
        options.sampleFraction = sampleFraction
        options.seed = seed
        options.overlays = overlays
        options.threads = threads
        let run = URL(fileURLWithPath: runDirectory)
        // run.json in the evaluation's own folder: which build scored which data on which machine.
        let (config, _, folder) = try Evaluation.target(run: run, options: options)
        let record = try RunRecord.beginSession(
            in: folder, device: config.device, threads: threads,
            data: RunRecord.DataIdentity(dataset: config.data))
        // Loading, predicting and bootstrapping print nothing for a while: without a terminal, a
        // line at least every 30 s (`SONOTAG_PROGRESS_INTERVAL`) says the evaluation goes on.
        let heartbeat = ProgressHeartbeat(label: "evaluate")
        if !ProgressOutput.isInteractive { heartbeat.start() }
        defer { heartbeat.stop() }
        let result = try record.around {
            try Evaluation.evaluate(
                run: run, options: options,
                log: { line in
                    heartbeat.printed(status: line)
                    emitLine(line)
                })
        }
        print(result.markdown())
    }
}
