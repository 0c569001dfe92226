import Foundation
import SeededRandom
import Torch

@testable import SonoTrain

// The pretraining fixtures shared by the CPU tests (SonoTrainTests) and the GPU tests
// (SonoCUDATests): one tiny configuration, one synthetic source.

/// A configuration small enough for CPU tests: ResNet-18 at 64×96, narrow decoder and discriminator.
public func tinyConfig(method: PretrainMethod = .ceDCM, epochs: Int = 2, batchSize: Int = 4) -> RunConfig {
    var c = RunConfig()
    c.method = method
    c.backbone = .resnet18
    c.height = 64
    c.width = 96
    c.batchSize = batchSize
    c.epochs = epochs
    c.decoderWidths = [16, 16, 8, 8]
    c.discriminatorWidths = [8, 8, 16, 16]
    c.gridImages = 2
    c.seed = 7
    return c
}

/// Smooth synthetic "ultrasound" images (z-scored blobs) with 3 labels derived from them, so the
/// in-painting task has structure to learn.
public func syntheticSource(count: Int, seed: UInt64, labels: Int = 3) throws -> InMemoryBatchSource {
    var rng = SplitMix64(seed: seed)
    var pixels: [Float] = []
    var y: [Float] = []
    for _ in 0..<count {
        let cx = Double(rng.next() % 96), cy = Double(rng.next() % 64), r = 8 + Double(rng.next() % 16)
        let kind = Int(rng.next() % UInt64(labels))
        var img: [Float] = []
        for row in 0..<64 {
            for col in 0..<96 {
                let d = ((Double(col) - cx) * (Double(col) - cx) + (Double(row) - cy) * (Double(row) - cy)).squareRoot()
                img.append(Float((d < r ? 1.0 : 0.0) + 0.3 * sin(Double(row + col * (kind + 1)) / 5)))
            }
        }
        let mean = img.reduce(0, +) / Float(img.count)
        let sd = (img.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(img.count)).squareRoot()
        pixels += img.map { ($0 - mean) / max(sd, 1e-3) }
        y += (0..<labels).map { $0 == kind ? 1 : 0 }
    }
    return try InMemoryBatchSource(
        images: Tensor(pixels, shape: [count, 1, 64, 96]), labels: Tensor(y, shape: [count, labels]),
        captions: (0..<count).map { "img\($0)" }, labelMappingHash: "test-hash")
}

/// `count` full batches of `size` synthetic images in the seeded shuffled order `orderSeed`.
public func syntheticBatches(_ count: Int, size: Int, seed: UInt64, orderSeed: UInt64) throws -> [PretrainBatch] {
    var result: [PretrainBatch] = []
    try syntheticSource(count: count * size, seed: seed).forEachBatch(
        epoch: 1, batchSize: size, seed: orderSeed, shuffled: true,
        limit: nil, dropIncomplete: true
    ) { result.append($0) }
    return result
}

/// Every F and D tensor (parameters and buffers) as float32 values, keyed `F.name` / `D.name`.
public func stateValues(of trainer: Pretrainer) throws -> [String: [Float]] {
    var out: [String: [Float]] = [:]
    for (name, t) in trainer.generator.stateDict() { out["F." + name] = try t.to(dtype: .float32).toArray(of: Float.self) }
    for (name, t) in trainer.discriminator?.stateDict() ?? [] { out["D." + name] = try t.to(dtype: .float32).toArray(of: Float.self) }
    return out
}
