import Foundation
import SonoTrainTestSupport
import Torch
import TorchNN
import XCTest

@testable import SonoModels
@testable import SonoTrain

/// Each shortcut of the training step (PretrainBenchmark.Shortcut) must leave the step's results
/// equal, within float rounding, to the step without it: the idiomatic PyTorch step.
final class StepShortcutTests: XCTestCase {
    private func batch() throws -> PretrainBatch {
        var batch: PretrainBatch?
        try syntheticSource(count: 4, seed: 5).forEachBatch(
            epoch: 1, batchSize: 4, seed: 0, shuffled: false, limit: nil,
            dropIncomplete: false
        ) { batch = $0 }
        return try XCTUnwrap(batch)
    }

    /// Two steps (so Adam's moments and D's update both feed the second), compared loss by loss
    /// and weight by weight, in float64: a deep net with small-batch batch norm amplifies float32
    /// rounding differences (and Adam turns a gradient's flipped sign into a move of 2·lr), so
    /// float64 is where "equal up to rounding" can be checked tightly. `disabled`: the shortcuts
    /// left off in the run compared with the plain one (all off).
    private func compare(without disabled: Set<PretrainBenchmark.Shortcut>, file: StaticString = #filePath, line: UInt = #line) throws {
        let fixed = try batch()
        let batch64 = PretrainBatch(images: try fixed.images.to(dtype: .float64), labels: try fixed.labels.to(dtype: .float64))
        func run(_ off: Set<PretrainBenchmark.Shortcut>) throws -> ([PretrainLossValues], [String: [Double]]) {
            let saved = InPlaceActivations.enabled
            defer { InPlaceActivations.enabled = saved }
            var config = tinyConfig()
            config.learningRateF = 1e-3
            config.learningRateD = 1e-3
            let trainer = try Pretrainer(config: config, labelCount: 3)
            try trainer.generator.convert(to: .float64)
            try trainer.discriminator?.convert(to: .float64)
            PretrainBenchmark.apply(off, to: trainer)
            let losses = try (0..<2).map { _ in try trainer.trainStep(batch64) }
            var weights: [String: [Double]] = [:]
            for (name, t) in trainer.generator.namedParameters() { weights["F." + name] = try t.toArray(of: Double.self) }
            for (name, t) in trainer.discriminator?.namedParameters() ?? [] { weights["D." + name] = try t.toArray(of: Double.self) }
            return (losses, weights)
        }
        let (referenceLosses, referenceWeights) = try run(Set(PretrainBenchmark.Shortcut.allCases))
        let (losses, weights) = try run(disabled)
        for (a, b) in zip(losses, referenceLosses) {
            XCTAssertEqual(a.generator, b.generator, accuracy: 1e-9 * max(1, abs(b.generator)), file: file, line: line)
            XCTAssertEqual(
                try XCTUnwrap(a.discriminator), try XCTUnwrap(b.discriminator),
                accuracy: 1e-9 * max(1, abs(b.discriminator ?? 0)), file: file, line: line)
        }
        XCTAssertEqual(Set(weights.keys), Set(referenceWeights.keys), file: file, line: line)
        var worst = 0.0, worstName = ""
        for (name, values) in weights {
            for (x, y) in zip(values, referenceWeights[name] ?? []) where abs(x - y) > worst { (worst, worstName) = (abs(x - y), name) }
        }
        XCTAssertLessThanOrEqual(worst, 1e-9, "largest weight difference at \(worstName)", file: file, line: line)
    }

    // Each shortcut alone against the plain step, then all of them together. (float64 parameters
    // take Adam's op-by-op path inside the fused call; AdamTests checks the float32 kernel.)
    func testFoldingTheGrayInputMatchesExpandingIt() throws {
        try compare(without: [.frozenDiscriminator, .fusedAdam, .inPlaceActivations])
    }
    func testFreezingDInTheFStepMatchesComputingItsGradients() throws { try compare(without: [.foldGray, .fusedAdam, .inPlaceActivations]) }
    func testFusedAdamMatchesTheOpByOpUpdate() throws { try compare(without: [.foldGray, .frozenDiscriminator, .inPlaceActivations]) }
    func testInPlaceActivationsMatchFreshOnes() throws { try compare(without: [.foldGray, .frozenDiscriminator, .fusedAdam]) }
    func testAllShortcutsTogetherMatchThePlainStep() throws { try compare(without: []) }

    /// The fold is exact arithmetic: the first convolution's output and its weight gradient
    /// (for a fixed upstream gradient) match the expansion to float32 rounding, and all three
    /// input channels receive the same gradient, as through the expansion.
    func testFoldedFirstConvolutionMatchesTheExpansion() throws {
        let conv = try Conv2d(3, 16, kernelSize: 7, stride: 2, padding: 3, bias: false)
        let gray = try Tensor.randn([2, 1, 40, 56])
        let upstream = try Tensor.randn([2, 16, 20, 28])
        func run(folding: Bool) throws -> (out: [Float], grad: [Float]) {
            try conv.weight.zeroGrad()
            let y = try firstConvolution(conv, gray, foldingGray: folding)
            try (y * upstream).sum().backward()
            return (try y.toArray(of: Float.self), try XCTUnwrap(conv.weight.grad).toArray(of: Float.self))
        }
        let folded = try run(folding: true), expanded = try run(folding: false)
        for (a, b) in zip(folded.out, expanded.out) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        for (a, b) in zip(folded.grad, expanded.grad) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b))) }
        let w = conv.weight.shape, plane = w[2] * w[3]
        for o in 0..<w[0] {
            for k in 0..<plane {
                let base = o * 3 * plane + k
                XCTAssertEqual(folded.grad[base], folded.grad[base + plane])
                XCTAssertEqual(folded.grad[base], folded.grad[base + 2 * plane])
            }
        }
    }

    /// Backbones fold only in training: evaluation keeps torchvision's expansion bit for bit,
    /// whatever the switch says.
    func testBackbonesFoldOnlyInTraining() throws {
        let model = try ResNet(.resnet18)
        model.eval()
        let gray = try Tensor.randn([1, 1, 32, 48])
        model.foldsGrayInput = true
        let a = try withNoGrad { try model(gray) }.toArray(of: Float.self)
        model.foldsGrayInput = false
        let b = try withNoGrad { try model(gray) }.toArray(of: Float.self)
        XCTAssertEqual(a, b)
    }
}
