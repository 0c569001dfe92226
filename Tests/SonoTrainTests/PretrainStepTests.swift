import SeededRandom
import Torch
import TorchNN
import Foundation
import SonoModels
import XCTest
@testable import SonoTrain

final class PretrainStepTests: XCTestCase {
    private func snapshot(_ m: any Module) throws -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (name, t) in m.namedParameters() { out[name] = try t.to(device: .cpu).toArray(of: Float.self) }
        return out
    }

    private func changed(_ a: [String: [Float]], _ b: [String: [Float]]) -> [String] {
        a.keys.filter { a[$0] != b[$0] }.sorted()
    }

    func testOneStepLowersLossOnAFixedBatch() throws {
        for method in [PretrainMethod.ceDCM, .dcm] {
            var config = tinyConfig(method: method)
            config.learningRateF = 1e-3
            let trainer = try Pretrainer(config: config, labelCount: 3)
            var batch: PretrainBatch?
            try syntheticSource(count: 8, seed: 1).forEachBatch(epoch: 1, batchSize: 8, seed: 0, shuffled: false, limit: nil,
                                                                 dropIncomplete: false) { batch = $0 }
            let fixed = try XCTUnwrap(batch)
            // trainStep reports L_F computed before its update: the second value is after one step.
            let before = try trainer.trainStep(fixed).generator
            let after = try trainer.trainStep(fixed).generator
            XCTAssertLessThan(after, before, "\(method)")
        }
    }

    func testDStepMovesOnlyDAndFStepOnlyF() throws {
        // Sum pooling: with the default mean pooling a fresh D scores every centre inside the hinge
        // margin, so the real and fake terms' gradients on C_rf's bias cancel exactly (−1 + 1 = 0)
        // and that one parameter rightly stays put.
        var config = tinyConfig()
        config.discriminatorPooling = .sum
        let trainer = try Pretrainer(config: config, labelCount: 3)
        let d = try XCTUnwrap(trainer.discriminator), optD = try XCTUnwrap(trainer.optimizerD)
        var batch: PretrainBatch?
        try syntheticSource(count: 4, seed: 2).forEachBatch(epoch: 1, batchSize: 4, seed: 0, shuffled: false, limit: nil,
                                                             dropIncomplete: false) { batch = $0 }
        let images = try XCTUnwrap(batch).images, labels = try XCTUnwrap(batch).labels
        trainer.generator.train()
        d.train()
        let (masked, truth) = try trainer.mask.apply(to: images)
        let prediction = try trainer.generator(masked)
        let f0 = try snapshot(trainer.generator), d0 = try snapshot(d)
        // With every hinge term active (all scores inside (−1, 1), as a fresh mean-pooled D's
        // are), L_D's gradient on D's output bias is (n_fake − n_real)/N = 0 exactly, so that one
        // parameter rests; any score outside makes it move like the rest.
        let allActive = try withNoGrad {
            try [d(truth, labels: labels), d(prediction.detached(), labels: labels)].allSatisfy { try $0.abs().max().item() < 1 }
        }
        let resting = allActive ? ["linear.bias"] : []

        _ = try trainer.updateDiscriminator(d, optD, prediction: prediction, truth: truth, labels: labels, epoch: 1, step: 1)
        let f1 = try snapshot(trainer.generator), d1 = try snapshot(d)
        XCTAssertEqual(changed(f0, f1), [], "the D step must not move F")
        XCTAssertEqual(Set(d0.keys).subtracting(changed(d0, d1)).sorted(), resting, "the D step moves every D parameter")

        _ = try trainer.updateGenerator(d, prediction: prediction, truth: truth, labels: labels, epoch: 1, step: 1)
        let f2 = try snapshot(trainer.generator), d2 = try snapshot(d)
        XCTAssertEqual(changed(d1, d2), [], "the F step must not move D")
        XCTAssertEqual(changed(f1, f2).count, f1.count, "the F step moves every F parameter")
        XCTAssertTrue(d.parameters().allSatisfy(\.requiresGrad), "D is trainable again after the F step")
    }

    func testDivergenceIsReportedNotTrained() throws {
        let trainer = try Pretrainer(config: tinyConfig(), labelCount: 3)
        let bad = try Tensor.full([4, 1, 64, 96], value: .nan)
        XCTAssertThrowsError(try trainer.trainStep(PretrainBatch(images: bad, labels: Tensor.zeros([4, 3])))) { error in
            guard case PretrainError.diverged = error else { return XCTFail("\(error)") }
        }
    }
}

// MARK: - Shared helpers of the pretraining tests


/// A configuration small enough for CPU tests: ResNet-18 at 64×96, narrow decoder and discriminator.
func tinyConfig(method: PretrainMethod = .ceDCM, epochs: Int = 2, batchSize: Int = 4) -> RunConfig {
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
func syntheticSource(count: Int, seed: UInt64, labels: Int = 3) throws -> InMemoryBatchSource {
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
    return try InMemoryBatchSource(images: Tensor(pixels, shape: [count, 1, 64, 96]), labels: Tensor(y, shape: [count, labels]),
                                   captions: (0..<count).map { "img\($0)" }, labelMappingHash: "test-hash")
}

/// `count` full batches of `size` synthetic images in the seeded shuffled order `orderSeed`.
func syntheticBatches(_ count: Int, size: Int, seed: UInt64, orderSeed: UInt64) throws -> [PretrainBatch] {
    var result: [PretrainBatch] = []
    try syntheticSource(count: count * size, seed: seed).forEachBatch(epoch: 1, batchSize: size, seed: orderSeed, shuffled: true,
                                                                      limit: nil, dropIncomplete: true) { result.append($0) }
    return result
}

/// Every F and D tensor (parameters and buffers) as float32 values, keyed `F.name` / `D.name`.
func stateValues(of trainer: Pretrainer) throws -> [String: [Float]] {
    var out: [String: [Float]] = [:]
    for (name, t) in trainer.generator.stateDict() { out["F." + name] = try t.to(dtype: .float32).toArray(of: Float.self) }
    for (name, t) in trainer.discriminator?.stateDict() ?? [] { out["D." + name] = try t.to(dtype: .float32).toArray(of: Float.self) }
    return out
}
