import Foundation
import SonoModels
import SonoTrainTestSupport
import TestSupport
import Torch
import TorchNN
import XCTest

@testable import SonoTrain

/// The quantities that show what the label-conditioned path does (issue "Evidence", item 1).
final class PretrainDiagnosticsTests: XCTestCase {
    /// Rows [1,0] [1,0] [0,1] [1,0]: image 0's next differently labelled image is 2, image 1's
    /// is 2, image 2's is 3, image 3's (wrapping past 0 and 1, both [1,0]) is 2.
    func testPartnersAreTheNextImageWithOtherLabels() {
        XCTAssertEqual(PretrainDiagnostics.partners(labels: [1, 0, 1, 0, 0, 1, 1, 0], labelCount: 2), [2, 2, 3, 2])
        XCTAssertEqual(PretrainDiagnostics.partners(labels: [1, 0, 1, 0], labelCount: 2), [nil, nil], "no image has other labels")
        XCTAssertEqual(PretrainDiagnostics.partners(labels: [1, 0], labelCount: 2), [nil])
    }

    /// true [2, 0.5, 1] vs shuffled [1, 0.5, 3]: only 2 > 1 wins (a tie is no win): share 1/3;
    /// margins 1, 0, −2: mean −1/3. Accumulating the same batch twice changes neither.
    func testConditionalSignalByHand() throws {
        var signal = ConditionalSignal()
        XCTAssertNil(signal.share)
        signal.add(trueScores: [2, 0.5, 1], shuffledScores: [1, 0.5, 3])
        XCTAssertEqual(signal.count, 3)
        XCTAssertEqual(try XCTUnwrap(signal.share), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(signal.margin), -1.0 / 3, accuracy: 1e-12)
        signal.add(signal)
        XCTAssertEqual(signal.count, 6)
        XCTAssertEqual(try XCTUnwrap(signal.share), 1.0 / 3, accuracy: 1e-12)
    }

    /// logits [2, −1, 0.5, −3] vs labels [1, 1, 0, 0]: right, wrong, wrong, right → 0.5.
    func testLabelAccuracyByHand() throws {
        XCTAssertEqual(try XCTUnwrap(PretrainDiagnostics.labelAccuracy(logits: [2, -1, 0.5, -3], labels: [1, 1, 0, 0])), 0.5)
        XCTAssertNil(PretrainDiagnostics.labelAccuracy(logits: [1], labels: [1, 0]))
    }

    /// The hand example of PretrainLossTests split in two: real 5/6, fake 3.8/3.
    func testHingeTermsByHand() throws {
        let terms = try PretrainLosses.discriminatorHingeTerms(
            realScores: Tensor([0.5, 2, -1] as [Float]),
            fakeScores: Tensor([-2, 0.3, 1.5] as [Float]))
        XCTAssertEqual(try terms.real.item(), 5.0 / 6, accuracy: 1e-6)
        XCTAssertEqual(try terms.fake.item(), 3.8 / 3, accuracy: 1e-6)
    }

    func testGradientShareByHand() {
        XCTAssertEqual(EncoderGradientNorms(adversarial: 1, reconstruction: 3).adversarialShare, 0.25)
        XCTAssertNil(EncoderGradientNorms(adversarial: 0, reconstruction: 0).adversarialShare)
    }

    /// D(x, y) − D(x, y′) = D̃(x)ᵀ W (y − y′): the signal measured through the network must equal
    /// the margin computed here from D̃(x) and W by plain arithmetic.
    func testConditionalSignalMatchesTheProjectionTerm() throws {
        let trainer = try Pretrainer(config: tinyConfig(), labelCount: 3)
        let d = try XCTUnwrap(trainer.discriminator)
        let batch = try firstBatch(syntheticSource(count: 6, seed: 3), size: 6)
        d.eval()
        let (_, truth) = try trainer.mask.apply(to: batch.images)
        let scores = try d(truth, labels: batch.labels)
        let signal = try trainer.conditionalSignal(d, truth: truth, labels: batch.labels, trueScores: scores)

        let h = try d.representation(truth).toArray(of: Float.self).map(Double.init)
        let w = try XCTUnwrap(d.projection?.registry.parameters.first?.tensor).toArray(of: Float.self).map(Double.init)  // C×K
        let y = try batch.labels.toArray(of: Float.self)
        let c = h.count / 6, k = 3
        let partners = PretrainDiagnostics.partners(labels: y, labelCount: k)
        var margins: [Double] = []
        for i in 0..<6 {
            guard let j = partners[i] else { continue }
            var m = 0.0
            for ch in 0..<c { for l in 0..<k { m += h[i * c + ch] * w[ch * k + l] * Double(y[i * k + l] - y[j * k + l]) } }
            margins.append(m)
        }
        XCTAssertEqual(signal.count, margins.count)
        XCTAssertGreaterThan(signal.count, 0)
        XCTAssertEqual(try XCTUnwrap(signal.margin), margins.reduce(0, +) / Double(margins.count), accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(signal.share), Double(margins.filter { $0 > 0 }.count) / Double(margins.count), accuracy: 1e-12)
    }

    /// The gradient norms are those of separate backward passes of each weighted term, scale
    /// linearly with λ, and leave weights, gradients and batch-norm statistics as they were.
    func testEncoderGradientNormsMatchSeparateBackwardPasses() throws {
        var config = tinyConfig()
        config.lambdaAdv = 0.25
        config.lambdaRec = 0.75
        let trainer = try Pretrainer(config: config, labelCount: 3)
        let d = try XCTUnwrap(trainer.discriminator)
        let batch = try firstBatch(syntheticSource(count: 4, seed: 5), size: 4)
        let before = try snapshot(trainer.generator) + snapshot(d)
        let norms = try XCTUnwrap(trainer.encoderGradientNorms(batch))
        XCTAssertEqual(try snapshot(trainer.generator) + snapshot(d), before, "measuring must not change weights or buffers")
        XCTAssertTrue(trainer.encoder.parameters().allSatisfy { $0.grad == nil }, "no .grad left behind")

        // The same quantities by plain backward passes (train mode, as in the measurement).
        func manual(_ pick: (Tensor, Tensor) throws -> Tensor) throws -> Double {
            let saved = try (trainer.generator.namedBuffers() + d.namedBuffers()).map { ($0.tensor, try $0.tensor.clone()) }
            defer { try? withNoGrad { for (live, copy) in saved { try live.copy(from: copy) } } }
            try trainer.generator.zeroGrad()
            let (masked, truth) = try trainer.mask.apply(to: batch.images)
            let prediction = try trainer.generator(masked)
            let adv = try d(prediction, labels: batch.labels).mean().neg() * 0.25
            let rec = try prediction.mseLoss(target: truth) * 0.75
            try pick(adv, rec).backward()
            let total = try trainer.encoder.parameters().compactMap(\.grad).reduce(0.0) {
                $0 + (try $1.to(dtype: .float64).squared().sum().item())
            }
            try trainer.generator.zeroGrad()
            try d.zeroGrad()
            return total.squareRoot()
        }
        XCTAssertEqual(norms.adversarial, try manual { a, _ in a }, accuracy: 1e-4 * max(1, norms.adversarial))
        XCTAssertEqual(norms.reconstruction, try manual { _, r in r }, accuracy: 1e-4 * max(1, norms.reconstruction))
        XCTAssertGreaterThan(norms.adversarial, 0)

        var doubled = config
        doubled.lambdaAdv = 0.5
        let trainer2 = try Pretrainer(config: doubled, labelCount: 3)  // same seed: same weights
        let norms2 = try XCTUnwrap(trainer2.encoderGradientNorms(batch))
        XCTAssertEqual(norms2.adversarial, 2 * norms.adversarial, accuracy: 1e-4 * max(1, norms.adversarial))
        XCTAssertEqual(norms2.reconstruction, norms.reconstruction, accuracy: 1e-5 * max(1, norms.reconstruction))
    }

    func testDCMHasNoGradientSplitButALabelAccuracy() throws {
        let trainer = try Pretrainer(config: tinyConfig(method: .dcm), labelCount: 3)
        let batch = try firstBatch(syntheticSource(count: 4, seed: 5), size: 4)
        XCTAssertNil(try trainer.encoderGradientNorms(batch))
        let accuracy = try XCTUnwrap(trainer.evaluate(batch).labelAccuracy)
        XCTAssertTrue((0...1).contains(accuracy))
        // 4 images × 3 labels: the accuracy is a multiple of 1/12.
        XCTAssertEqual((accuracy * 12).rounded(), accuracy * 12, accuracy: 1e-9)
    }

    func testSeveralDiscriminatorStepsPerGeneratorStep() throws {
        var config = tinyConfig()
        config.discriminatorSteps = 3
        let trainer = try Pretrainer(config: config, labelCount: 3)
        let batch = try firstBatch(syntheticSource(count: 4, seed: 6), size: 4)
        let values = try trainer.trainStep(batch)
        let d = try XCTUnwrap(trainer.discriminator), optD = try XCTUnwrap(trainer.optimizerD)
        let name = try XCTUnwrap(d.namedParameters().first?.name)
        XCTAssertEqual(optD.stepCount(of: name), 3)
        XCTAssertEqual(trainer.optimizerF.stepCount(of: try XCTUnwrap(trainer.generator.namedParameters().first?.name)), 1)
        XCTAssertEqual(
            try XCTUnwrap(values.discriminator),
            try XCTUnwrap(values.discriminatorReal) + XCTUnwrap(values.discriminatorFake), accuracy: 1e-5)
    }

    /// Epoch rows of metrics.csv carry the new columns: CE+DCM the conditional signal and the
    /// gradient split, DCM the label accuracy.
    func testMetricsCSVHoldsTheInsideSignals() throws {
        for method in [PretrainMethod.ceDCM, .dcm] {
            let out = try temporaryFolder("inside-\(method.rawValue)")
            let config = tinyConfig(method: method, epochs: 1)
            _ = try pretrain(
                config: config, train: syntheticSource(count: 8, seed: 1), validation: syntheticSource(count: 6, seed: 2),
                runDirectory: out, progress: ProgressReporter(style: .silent))
            let lines = try String(contentsOf: PretrainRunLayout(out).metrics, encoding: .utf8).split(separator: "\n")
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = try XCTUnwrap(lines.first)
            let epoch = try XCTUnwrap(lines.first { $0.first == "epoch" })
            XCTAssertEqual(epoch.count, header.count)
            func value(_ column: String) -> Double? {
                guard let i = header.firstIndex(of: column) else { return nil }
                return Double(epoch[i])
            }
            if method == .ceDCM {
                let share = try XCTUnwrap(value("cond_share"))
                XCTAssertTrue((0...1).contains(share))
                XCTAssertNotNil(value("cond_margin"))
                XCTAssertEqual(
                    try XCTUnwrap(value("loss_d")), try XCTUnwrap(value("loss_d_real")) + XCTUnwrap(value("loss_d_fake")), accuracy: 1e-4)
                let adv = try XCTUnwrap(value("grad_norm_adv")), rec = try XCTUnwrap(value("grad_norm_rec"))
                XCTAssertEqual(try XCTUnwrap(value("adv_grad_share")), adv / (adv + rec), accuracy: 1e-5)
                XCTAssertNil(value("label_acc"))
            } else {
                XCTAssertNotNil(value("label_acc"))
                XCTAssertNil(value("cond_share"))
                XCTAssertNil(value("grad_norm_adv"))
            }
        }
    }

    private func firstBatch(_ source: InMemoryBatchSource, size: Int) throws -> PretrainBatch {
        var batch: PretrainBatch?
        try source.forEachBatch(epoch: 1, batchSize: size, seed: 0, shuffled: false, limit: nil, dropIncomplete: false) {
            if batch == nil { batch = $0 }
        }
        return try XCTUnwrap(batch)
    }

    private func snapshot(_ m: any Module) throws -> [[Float]] {
        try m.stateDict().map { try $0.tensor.to(dtype: .float32).toArray(of: Float.self) }
    }
}
