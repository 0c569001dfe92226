import Foundation
import SonoTrainTestSupport
import TestSupport
import Torch
import TorchNN
import XCTest

@testable import SonoTrain

/// fp16 runs: the loss scalers' state (scale and growth tracker) is saved in the last checkpoint
/// and restored on resume, so a resumed run continues with the scale it had reached instead of
/// restarting at 65536. fp16 itself needs CUDA, so the state is set as steps would have left it.
final class LossScalerCheckpointTests: XCTestCase {
    /// A copy of `url` without the scaler keys: a checkpoint written before they were saved.
    private func withoutScalerState(_ url: URL, to old: URL) throws {
        let archive = try SafeTensors.load(contentsOf: url)
        let metadata = archive.metadata.filter { !$0.key.hasPrefix("grad_scaler") }
        XCTAssertLessThan(metadata.count, archive.metadata.count, "the checkpoint held scaler state")
        try SafeTensors.save(
            archive.dictionary.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) },
            metadata: metadata, to: old)
    }

    func testPretrainingCheckpointKeepsBothScalers() throws {
        let folder = try temporaryFolder("scaler-pretrain")
        let config = tinyConfig()
        let trainer = try Pretrainer(config: config, labelCount: 3)
        // As after backoffs and finite steps of an fp16 run.
        trainer.scalerF.restore(scale: 2048, growthTracker: 17)
        trainer.scalerD.restore(scale: 512, growthTracker: 3)
        let url = folder.appendingPathComponent("last.safetensors")
        try PretrainCheckpoint(
            epoch: 1, globalStep: 20, validationLoss: 1, bestValidationLoss: 1, bestEpoch: 1,
            labelMappingHash: "h", config: config, labelCount: 3
        ).save(trainer, to: url)

        let resumed = try Pretrainer(config: config, labelCount: 3)
        try PretrainCheckpoint.restore(try PretrainCheckpoint.read(url).1, into: resumed, source: url.path)
        XCTAssertEqual([resumed.scalerF.scale, resumed.scalerD.scale], [2048, 512])
        XCTAssertEqual([resumed.scalerF.growthTracker, resumed.scalerD.growthTracker], [17, 3])

        let old = folder.appendingPathComponent("old.safetensors")
        try withoutScalerState(url, to: old)
        let fromOld = try Pretrainer(config: config, labelCount: 3)
        try PretrainCheckpoint.restore(try PretrainCheckpoint.read(old).1, into: fromOld, source: old.path)
        XCTAssertEqual(fromOld.scalerF.scale, 65536, "an older checkpoint leaves the initial scale")
        XCTAssertEqual(fromOld.scalerF.growthTracker, 0)
    }

    func testFinetuningCheckpointKeepsTheScaler() throws {
        let folder = try temporaryFolder("scaler-finetune")
        var config = FinetuneConfig.paperDefaults(task: .segmentation, taskName: "t", backbone: .resnet18)
        (config.height, config.width, config.decoderBaseWidth) = (32, 48, 4)
        let network = try FinetuneNetwork.make(config: config, outputs: 1)
        let optimizer = try Adam(parameters: network.trainableParameters(freezeEncoder: false), learningRate: 1e-3)
        let scaler = GradientScaler(enabled: true, initialScale: 1024, growthInterval: 3)
        scaler.update(foundNonFinite: true)
        scaler.update(foundNonFinite: false)
        scaler.update(foundNonFinite: false)
        XCTAssertEqual([scaler.scale, Double(scaler.growthTracker)], [512, 2])
        let url = folder.appendingPathComponent("last.safetensors")
        try FinetuneCheckpoint.save(
            network: network, optimizer: optimizer, config: config, epoch: 1, best: (1, 0.5, 0.5),
            scaler: scaler, to: url)

        let resumed = GradientScaler(enabled: true, initialScale: 1024, growthInterval: 3)
        try FinetuneCheckpoint.restore(url, network: network, optimizer: optimizer, scaler: resumed)
        XCTAssertEqual(resumed.scale, 512)
        XCTAssertEqual(resumed.growthTracker, 2)
        // One more finite step grows the scale exactly when the uninterrupted run's would.
        resumed.update(foundNonFinite: false)
        XCTAssertEqual(resumed.scale, 1024)

        let old = folder.appendingPathComponent("old.safetensors")
        try withoutScalerState(url, to: old)
        let fromOld = GradientScaler(enabled: true, initialScale: 1024, growthInterval: 3)
        XCTAssertEqual(try FinetuneCheckpoint.restore(old, network: network, optimizer: optimizer, scaler: fromOld).epoch, 1)
        XCTAssertEqual([fromOld.scale, Double(fromOld.growthTracker)], [1024, 0], "an older checkpoint leaves the initial state")
    }
}
