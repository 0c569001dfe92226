import Foundation
import Torch

#if os(Linux)
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

/// Times training steps (D step + F step) on one fixed random batch: what `make bench` compares
/// with the same step in PyTorch (Benchmarks/pretrain_step_torch.py).
public enum PretrainBenchmark {
    public struct Result: Sendable {
        public var millisecondsPerStep: Double
        public var peakResidentMegabytes: Double
        public var lastLosses: PretrainLossValues
    }

    public static func run(config: RunConfig, labelCount: Int = 10, steps: Int, warmup: Int = 1) throws -> Result {
        if let threads = config.threads { try TorchRuntime.setThreadCount(threads) }
        let trainer = try Pretrainer(config: config, labelCount: labelCount)
        let n = config.batchSize
        let images = try Tensor.randn([n, 1, config.height, config.width])
        let labels = try Tensor.rand([n, labelCount]).gt(0.5).to(dtype: .float32)
        let batch = PretrainBatch(images: images, labels: labels)
        var losses = PretrainLossValues(discriminator: nil, generator: .nan)
        for _ in 0..<max(0, warmup) { losses = try trainer.trainStep(batch) }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<max(1, steps) { losses = try trainer.trainStep(batch) }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(max(1, steps))
        var usage = rusage()
        getrusage(RUSAGE_SELF_WHO, &usage)
        return Result(millisecondsPerStep: elapsed, peakResidentMegabytes: Double(usage.ru_maxrss) / 1024, lastLosses: losses)
    }
}
