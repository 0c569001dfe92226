import Foundation
import SonoTrainTestSupport
import Torch
import TorchNN
import XCTest

@testable import SonoTrain

/// `--channels-last` changes only where the numbers are stored, never which numbers: the same
/// CE+DCM steps in NHWC order as in the standard order, within float rounding.
final class ChannelsLastTests: XCTestCase {
    private func batches(_ count: Int, size: Int) throws -> [PretrainBatch] {
        try syntheticBatches(count, size: size, seed: 5, orderSeed: 2)
    }

    private func weights(_ trainer: Pretrainer) throws -> [String: [Float]] { try stateValues(of: trainer) }

    func testConversionStoresEveryConvolutionWeightChannelsLastAndKeepsItsValues() throws {
        let trainer = try Pretrainer(config: tinyConfig(), labelCount: 3)
        let before = try weights(trainer)
        try trainer.generator.convertToChannelsLast()
        try trainer.discriminator?.convertToChannelsLast()
        let fourD = trainer.generator.stateDict().filter { $0.tensor.shape.count == 4 }
        XCTAssertFalse(fourD.isEmpty)
        for (name, tensor) in fourD { XCTAssertTrue(tensor.isChannelsLast, name) }
        for (name, tensor) in trainer.generator.stateDict() where tensor.shape.count != 4 {
            XCTAssertFalse(tensor.isChannelsLast, name)
        }
        XCTAssertEqual(try weights(trainer), before, "a layout change must not change a single value")
    }

    /// Three CE+DCM steps in NHWC order equal the standard order's, loss by loss and weight by
    /// weight, in float64 (as StepShortcutTests: small-batch batch norm amplifies float32
    /// rounding of another kernel's summation order into percent-size gradient differences, the
    /// same in PyTorch). A layout bug — elements paired across channels — fails by far more.
    func testStepsMatchTheStandardLayout() throws {
        let data = try batches(3, size: 4).map {
            PretrainBatch(images: try $0.images.to(dtype: .float64), labels: try $0.labels.to(dtype: .float64))
        }
        func run(channelsLast: Bool) throws -> ([PretrainLossValues], [String: [Double]], Pretrainer) {
            var config = tinyConfig()
            config.learningRateF = 1e-3
            config.learningRateD = 1e-3
            config.channelsLast = channelsLast
            let trainer = try Pretrainer(config: config, labelCount: 3)
            try trainer.generator.convert(to: .float64)
            try trainer.discriminator?.convert(to: .float64)
            let losses = try data.map { try trainer.trainStep($0) }
            var weights: [String: [Double]] = [:]
            for (name, t) in trainer.generator.namedParameters() { weights["F." + name] = try t.toArray(of: Double.self) }
            for (name, t) in trainer.discriminator?.namedParameters() ?? [] { weights["D." + name] = try t.toArray(of: Double.self) }
            return (losses, weights, trainer)
        }
        let (referenceLosses, referenceWeights, _) = try run(channelsLast: false)
        let (losses, weights, trainer) = try run(channelsLast: true)
        for (step, (a, b)) in zip(losses, referenceLosses).enumerated() {
            XCTAssertEqual(a.generator, b.generator, accuracy: 1e-9 * max(1, abs(b.generator)), "L_F, step \(step + 1)")
            XCTAssertEqual(
                try XCTUnwrap(a.discriminator), try XCTUnwrap(b.discriminator),
                accuracy: 1e-9 * max(1, abs(b.discriminator ?? 0)), "L_D, step \(step + 1)")
        }
        XCTAssertEqual(Set(weights.keys), Set(referenceWeights.keys))
        var worst = 0.0, worstName = ""
        for (name, values) in weights {
            for (x, y) in zip(values, referenceWeights[name] ?? []) where abs(x - y) > worst { (worst, worstName) = (abs(x - y), name) }
        }
        XCTAssertLessThanOrEqual(worst, 1e-9, "largest weight difference at \(worstName)")
        for (name, tensor) in trainer.generator.namedParameters() where tensor.shape.count == 4 {
            XCTAssertTrue(tensor.isChannelsLast, "\(name) stays channels-last through the updates")
        }
    }

    /// The fused kernel walks storage linearly; with every tensor in NHWC order that pairs the
    /// same elements as ATen's op-by-op update.
    func testFusedAdamOnChannelsLastWeightsEqualsTheOpByOpUpdate() throws {
        func run(fused: Bool, channelsLast: Bool) throws -> [Float] {
            try TorchRuntime.manualSeed(3)
            var w = try Tensor.randn([4, 3, 3, 3])
            if channelsLast { w = try w.contiguousChannelsLast() }
            _ = try w.setRequiresGrad(true)
            let adam = try Adam(parameters: [("w", w)], learningRate: 1e-2)
            adam.fused = fused
            let target = try Tensor.randn([4, 3, 3, 3])
            for _ in 0..<3 {
                try adam.zeroGrad()
                try ((w - target) * (w - target)).sum().backward()
                try adam.step()
            }
            XCTAssertEqual(w.isChannelsLast, channelsLast)
            return try w.toArray(of: Float.self)
        }
        let reference = try run(fused: false, channelsLast: false)
        for (u, v) in zip(reference, try run(fused: true, channelsLast: true)) { XCTAssertEqual(u, v, accuracy: 1e-6) }
        for (u, v) in zip(reference, try run(fused: false, channelsLast: true)) { XCTAssertEqual(u, v, accuracy: 1e-6) }
    }

    func testChannelsLastIsARunSettingThatMayChangeOnResume() throws {
        XCTAssertEqual(RunConfig.Key.channelsLast.option, "channels-last")
        XCTAssertTrue(RunConfig.Key.channelsLast.changesOnResume)
        let parsed = try RunConfig.parse("channels_last: true\n")
        XCTAssertTrue(parsed.config.channelsLast)
        XCTAssertEqual(parsed.keys, [.channelsLast])
    }
}
