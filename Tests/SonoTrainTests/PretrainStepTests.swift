import Foundation
import SeededRandom
import SonoModels
import SonoTrainTestSupport
import Torch
import TorchNN
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
            try syntheticSource(count: 8, seed: 1).forEachBatch(
                epoch: 1, batchSize: 8, seed: 0, shuffled: false, limit: nil,
                dropIncomplete: false
            ) { batch = $0 }
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
        try syntheticSource(count: 4, seed: 2).forEachBatch(
            epoch: 1, batchSize: 4, seed: 0, shuffled: false, limit: nil,
            dropIncomplete: false
        ) { batch = $0 }
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
