import Foundation
import SonoTrainTestSupport
import TestSupport
import Torch
import TorchNN
import XCTest

@testable import SonoTrain

/// The CUDA path: the same CE+DCM steps on the GPU as on the CPU, checkpoints saved from GPU
/// training, mixed precision on the GPU. They skip, saying why, where no GPU is visible
/// (scripts/gpu-check.sh runs them on an NVIDIA machine against PyPI's CUDA torch).
final class CUDATests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(
            Device.isCUDAAvailable,
            "no CUDA device: libtorch \(TorchRuntime.version) has no CUDA support or sees no GPU (build with LIBTORCH=<a CUDA torch>, see scripts/gpu-check.sh)"
        )
    }

    private func batches(_ count: Int, size: Int) throws -> [PretrainBatch] {
        try syntheticBatches(count, size: size, seed: 21, orderSeed: 1)
    }

    private func weights(_ trainer: Pretrainer) throws -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (name, t) in trainer.generator.stateDict() + (trainer.discriminator?.stateDict() ?? []) {
            out[name] = try t.to(device: .cpu, dtype: .float32).toArray(of: Float.self)
        }
        return out
    }

    /// Copies `source`'s weights into `target` (which may live on another device).
    private func copyWeights(from source: Pretrainer, to target: Pretrainer) throws {
        try withNoGrad {
            for ((_, x), (_, y)) in zip(source.generator.stateDict(), target.generator.stateDict()) { try y.copy(from: x) }
            for ((_, x), (_, y)) in zip(source.discriminator!.stateDict(), target.discriminator!.stateDict()) { try y.copy(from: x) }
        }
    }

    /// Three CE+DCM steps on cuda:0 and on the CPU from the same weights: losses within 1e-3
    /// relative and weights within 2e-3 (cuDNN picks other convolution algorithms, and TF32
    /// where the GPU has it, so bit equality is not expected).
    func testCUDAStepsMatchCPUSteps() throws {
        var cpu = tinyConfig()
        cpu.batchSize = 4
        var gpu = cpu
        gpu.device = "cuda:0"
        let a = try Pretrainer(config: cpu, labelCount: 3), b = try Pretrainer(config: gpu, labelCount: 3)
        try copyWeights(from: a, to: b)
        XCTAssertEqual(b.generator.parameters().first?.device, .cuda(0))
        for (step, batch) in try batches(3, size: 4).enumerated() {
            let la = try a.trainStep(batch, epoch: 1, step: step + 1), lb = try b.trainStep(batch, epoch: 1, step: step + 1)
            XCTAssertEqual(lb.generator, la.generator, accuracy: 1e-3 * max(1, abs(la.generator)))
            XCTAssertEqual(lb.discriminator!, la.discriminator!, accuracy: 1e-3 * max(1, abs(la.discriminator!)))
        }
        let wa = try weights(a), wb = try weights(b)
        var worst: Float = 0
        for (name, x) in wa { for (u, v) in zip(x, wb[name]!) { worst = max(worst, abs(u - v)) } }
        XCTAssertLessThan(worst, 2e-3)
    }

    /// A run on the GPU writes checkpoints (from CPU copies) that resume on the CPU.
    func testGPUCheckpointResumesOnCPU() throws {
        let dir = try temporaryFolder("cuda-run")
        var config = tinyConfig(epochs: 1)
        config.device = "cuda"
        let train = try syntheticSource(count: 8, seed: 5), val = try syntheticSource(count: 4, seed: 6)
        _ = try pretrain(config: config, train: train, validation: val, runDirectory: dir, progress: ProgressReporter(style: .silent))
        var more = tinyConfig(epochs: 2)
        more.device = "cpu"
        let summary = try pretrain(
            config: more, train: train, validation: val, runDirectory: dir, resume: true,
            progress: ProgressReporter(style: .silent))
        XCTAssertEqual(summary.epochsCompleted, 2)
        XCTAssertTrue(summary.lastValidationLoss.isFinite)
    }

    /// fp16 and bf16 autocast on the GPU follow fp32 over 3 steps (fp16 with loss scaling).
    func testMixedPrecisionOnGPUTracksFloat32() throws {
        var base = tinyConfig()
        base.batchSize = 4
        base.device = "cuda:0"
        let reference = try Pretrainer(config: base, labelCount: 3)
        for precision in [Precision.bf16, .fp16] {
            var config = base
            config.precision = precision
            let a = try Pretrainer(config: base, labelCount: 3), b = try Pretrainer(config: config, labelCount: 3)
            try copyWeights(from: reference, to: a)
            try copyWeights(from: reference, to: b)
            for (step, batch) in try batches(3, size: 4).enumerated() {
                let la = try a.trainStep(batch, epoch: 1, step: step + 1), lb = try b.trainStep(batch, epoch: 1, step: step + 1)
                XCTAssertEqual(lb.generator, la.generator, accuracy: 0.03 * abs(la.generator), "\(precision)")
            }
            XCTAssertEqual(b.generator.parameters().first?.dtype, .float32, "master weights stay fp32")
        }
    }
}
