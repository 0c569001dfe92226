import Foundation
import XCTest

@testable import SonoTrain

final class PretrainConfigTests: XCTestCase {
    func testPaperPresetIsThePapers() {
        let c = RunConfig.paper
        XCTAssertEqual(c.method, .ceDCM)
        XCTAssertEqual(c.backbone, .vgg16bn)
        XCTAssertEqual([c.height, c.width, c.batchSize, c.epochs], [256, 384, 32, 200])
        XCTAssertEqual(c.learningRateF, 1e-4)
        XCTAssertEqual(c.learningRateD, 1e-5)
        XCTAssertEqual(c.beta1, 0.9)
        XCTAssertEqual(c.beta2, 0.999)
        XCTAssertEqual(c.lambdaRec, 0.999)
        XCTAssertEqual(c.lambdaAdv, 0.001)
        XCTAssertEqual(c.maskOverlap, 0)
        XCTAssertEqual(c.maskFill, 0)
        XCTAssertEqual(c.discriminatorPooling, .sum)
        XCTAssertEqual(c.discriminatorNormalization, .batch)
        XCTAssertEqual(c.discriminatorSteps, 1)
        XCTAssertNoThrow(try c.validate())
    }

    func testYAMLOverridesASubsetAndRoundTrips() throws {
        let c = try RunConfig.fromYAML(
            """
            method: ce
            backbone: resnet50
            lr: 0.0002
            batch_size: 8
            discriminator_pooling: sum
            """)
        XCTAssertEqual(c.method, .ce)
        XCTAssertEqual(c.backbone, .resnet50)
        XCTAssertEqual(c.learningRateF, 2e-4)
        XCTAssertEqual(c.batchSize, 8)
        XCTAssertEqual(c.discriminatorPooling, .sum)
        XCTAssertEqual(c.epochs, 200, "keys not given keep the defaults")
        XCTAssertEqual(try RunConfig.fromYAML(try c.yaml()), c)
        XCTAssertEqual(try RunConfig.fromYAML(""), RunConfig())
    }

    /// Older config files and checkpoints wrote the learning rate as `lr_f`; it still reads, and
    /// counts as the setting `lr`.
    func testLegacyLearningRateKeyStillReads() throws {
        let (config, keys) = try RunConfig.parse("lr_f: 0.0003\nepochs: 3")
        XCTAssertEqual(config.learningRateF, 3e-4)
        XCTAssertEqual(keys, [.learningRateF, .epochs])
        XCTAssertTrue(try config.yaml().contains("lr: 0.0003\n"))
        XCTAssertFalse(try config.yaml().contains("lr_f"))
    }

    /// Each setting's option is its YAML key spelled with dashes (the image size is one --size).
    func testOptionsDeriveFromKeys() {
        for key in RunConfig.Key.allCases {
            guard let option = key.option else { continue }
            if key == .height || key == .width { XCTAssertEqual(option, "size"); continue }
            XCTAssertEqual(option, key.rawValue.replacingOccurrences(of: "_", with: "-"))
        }
        XCTAssertEqual(RunConfig.Key.learningRateF.option, "lr")
        XCTAssertEqual(RunConfig.Key.learningRateD.option, "lr-d")
        XCTAssertEqual(Set(RunConfig.Key.allCases.map(\.rawValue)).count, RunConfig.Key.allCases.count)
    }

    /// Data-parallel settings are keys like the others: read from YAML, written back, set by
    /// `--precision` and `--sync-batchnorm`, and (how, not what, a run computes) changeable on resume.
    func testPrecisionAndSyncBatchNormAreKeys() throws {
        let c = try RunConfig.fromYAML("precision: bf16\nsync_batchnorm: true")
        XCTAssertEqual(c.precision, .bf16)
        XCTAssertTrue(c.syncBatchNorm)
        XCTAssertEqual(RunConfig().precision, .fp32)
        XCTAssertFalse(RunConfig().syncBatchNorm)
        let yaml = try c.yaml()
        XCTAssertTrue(yaml.contains("precision: bf16\nsync_batchnorm: true\n"), yaml)
        XCTAssertEqual(try RunConfig.fromYAML(try c.yaml()), c)
        XCTAssertEqual(RunConfig.Key.precision.option, "precision")
        XCTAssertEqual(RunConfig.Key.syncBatchNorm.option, "sync-batchnorm")
        XCTAssertEqual(
            Set(RunConfig.Key.allCases.filter(\.changesOnResume)),
            [.device, .threads, .precision, .syncBatchNorm, .channelsLast, .checkpointEvery])
        XCTAssertThrowsError(try RunConfig.fromYAML("precision: fp8")) { error in
            XCTAssertTrue("\(error)".contains("precision"), "\(error)")
        }
    }

    /// SonoTag's defaults differ from the paper preset in the discriminator's pooling only.
    func testDefaultsDifferFromThePaperInPoolingOnly() {
        var c = RunConfig()
        XCTAssertEqual(c.discriminatorPooling, .mean)
        XCTAssertEqual(PretrainPreset.sonotag.config, c)
        c.discriminatorPooling = .sum
        XCTAssertEqual(c, RunConfig.paper)
    }

    func testPresetIsTheBaseOfAYAMLFile() throws {
        var base = RunConfig.paper
        base.learningRateD = 3e-4
        let c = try RunConfig.fromYAML("d_steps: 2\ndiscriminator_norm: spectral\n", base: base)
        XCTAssertEqual(c.discriminatorSteps, 2)
        XCTAssertEqual(c.discriminatorNormalization, .spectral)
        XCTAssertEqual(c.learningRateD, 3e-4, "keys the file leaves out come from the base")
        XCTAssertEqual(try RunConfig.fromYAML(try c.yaml()), c, "the written file holds every setting")
        XCTAssertEqual(PretrainPreset.paper.config, RunConfig.paper)
        XCTAssertThrowsError(try RunConfig.fromYAML("d_steps: 0").validate()) { error in
            guard case RunConfigError.invalidValue(let key, _)? = error as? RunConfigError else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "d_steps")
        }
    }

    func testErrorsNameTheKey() {
        XCTAssertThrowsError(try RunConfig.fromYAML("lr_g: 1")) { XCTAssertTrue("\($0)".contains("lr_g"), "\($0)") }
        XCTAssertThrowsError(try RunConfig.fromYAML("batch_size: many")) { XCTAssertTrue("\($0)".contains("batch_size"), "\($0)") }
        XCTAssertThrowsError(try RunConfig.fromYAML("method: gan")) { XCTAssertTrue("\($0)".contains("method"), "\($0)") }
        XCTAssertThrowsError(try RunConfig.fromYAML("- a\n- b"))
        var c = RunConfig()
        c.height = 250
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("height"), "\($0)") }
        c = RunConfig()
        c.maskOverlap = 70
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("mask_overlap"), "\($0)") }
        c = RunConfig()
        c.decoderWidths = [1, 2, 3]
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("decoder_widths"), "\($0)") }
    }
}
