import Foundation
import SonoSupport
import Torch
import TorchNN

/// Times training steps (D step + F step) on one fixed random batch: what `make bench` compares
/// with the same step in PyTorch (Benchmarks/pretrain_step_torch.py).
public enum PretrainBenchmark {
    /// Work SonoTag's step leaves out that an idiomatic PyTorch step does. Each changes results
    /// only within float rounding (tests); the benchmark can switch each off to measure it.
    public enum Shortcut: String, CaseIterable, Sendable {
        /// Gray input folded into the first convolution's weights instead of expanded to RGB.
        case foldGray = "fold-gray"
        /// No gradients for D's weights in the F step.
        case frozenDiscriminator = "frozen-d"
        /// One fused Adam pass per parameter instead of ~10 ATen ops.
        case fusedAdam = "fused-adam"
        /// ReLU / LeakyReLU written over batch-norm outputs.
        case inPlaceActivations = "inplace"
    }

    public struct Result: Sendable {
        public var millisecondsPerStep: Double
        public var peakResidentMegabytes: Double
        public var lastLosses: PretrainLossValues
    }

    public static func run(
        config: RunConfig, labelCount: Int = 10, steps: Int, warmup: Int = 1,
        without disabled: Set<Shortcut> = []
    ) throws -> Result {
        try TrainingThreads.configure(requested: config.threads)
        let trainer = try Pretrainer(config: config, labelCount: labelCount)
        let previousInPlace = InPlaceActivations.enabled
        defer { InPlaceActivations.enabled = previousInPlace }
        apply(disabled, to: trainer)
        let n = config.batchSize
        let images = try Tensor.randn([n, 1, config.height, config.width])
        let labels = try Tensor.rand([n, labelCount]).gt(0.5).to(dtype: .float32)
        let batch = PretrainBatch(images: images, labels: labels)
        var losses = PretrainLossValues(discriminator: nil, generator: .nan)
        for _ in 0..<max(0, warmup) { losses = try trainer.trainStep(batch) }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<max(1, steps) { losses = try trainer.trainStep(batch) }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(max(1, steps))
        return Result(millisecondsPerStep: elapsed, peakResidentMegabytes: peakResidentMegabytes(), lastLosses: losses)
    }

    /// Switches the named shortcuts off (the in-place one process-wide, until `run` returns).
    static func apply(_ disabled: Set<Shortcut>, to trainer: Pretrainer) {
        trainer.encoder.foldsGrayInput = !disabled.contains(.foldGray)
        trainer.freezesDiscriminatorInFStep = !disabled.contains(.frozenDiscriminator)
        trainer.optimizerF.fused = !disabled.contains(.fusedAdam)
        trainer.optimizerD?.fused = !disabled.contains(.fusedAdam)
        InPlaceActivations.enabled = !disabled.contains(.inPlaceActivations)
    }
}
