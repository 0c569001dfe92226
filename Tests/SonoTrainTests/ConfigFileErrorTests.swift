import Foundation
import SonoData
import TestSupport
import XCTest

@testable import SonoTrain

/// Item 13 of "Nothing silently wrong": YAML errors in pretraining configs, fine-tuning configs
/// and experiment files say file:line:column, and an unknown key is an error listing the known ones.
final class ConfigFileErrorTests: XCTestCase {
    private func message(_ body: () throws -> Any) -> String {
        do { _ = try body() } catch { return "\(error)" }
        XCTFail("no error")
        return ""
    }

    func testPretrainingConfigErrorsSayWhere() {
        let unknown = message { try RunConfig.fromYAML("epochs: 2\nbatch_sise: 4\n", source: "c.yaml") }
        XCTAssertTrue(unknown.contains("c.yaml:2:1: unknown key 'batch_sise'"), unknown)
        XCTAssertTrue(unknown.contains("known keys: ") && unknown.contains("batch_size") && unknown.contains("checkpoint_every"), unknown)
        XCTAssertFalse(unknown.contains("lr_f"), "an old spelling is read but not offered: \(unknown)")
        let type = message { try RunConfig.fromYAML("epochs: 2\nbatch_size: many\n", source: "c.yaml") }
        XCTAssertTrue(type.contains("c.yaml:2:13: batch_size: expected an integer"), type)
        let syntax = message { try RunConfig.fromYAML("epochs: [1, 2\n", source: "c.yaml") }
        XCTAssertNotNil(syntax.range(of: #"^c\.yaml:\d+:\d+: YAML syntax"#, options: .regularExpression), syntax)
        XCTAssertEqual(try RunConfig.fromYAML("lr_f: 0.5\n").learningRateF, 0.5, "the old key still reads")
    }

    func testFinetuningConfigErrorsSayWhere() throws {
        let unknown = message { try FinetuneConfig.settings(fromYAML: "epochs: 3\nepoch: 3\n", source: "f.yaml") }
        XCTAssertTrue(
            unknown.contains("f.yaml:2:1: unknown key 'epoch'") && unknown.contains("known keys: ") && unknown.contains("epochs"), unknown)
        // A wrong type is found when the settings are laid over the defaults: still with its line.
        let file = try temporaryFolder("finetune-config").appendingPathComponent("f.yaml")
        try Data("epochs: 3\nlr: fast\n".utf8).write(to: file)
        let settings = try FinetuneConfig.settings(fromYAML: String(contentsOf: file, encoding: .utf8), source: file.path)
        let defaults = FinetuneConfig.paperDefaults(task: .segmentation, taskName: "t", backbone: .resnet18)
        let type = message { try defaults.applying(settings, source: file.path) }
        XCTAssertTrue(type.contains("\(file.path):2:1: lr"), type)
    }

    func testExperimentFileErrorsSayWhereAndItRecordsEveryOption() throws {
        let folder = try temporaryFolder("experiment-file")
        let url = folder.appendingPathComponent("e.yaml")
        try Data("db: x.sqlite\npretrain_epoch: 3\n".utf8).write(to: url)
        let unknown = message { try ExperimentFile.load(from: url) }
        XCTAssertTrue(unknown.contains("e.yaml:2:1: unknown key 'pretrain_epoch'") && unknown.contains("pretrain_epochs"), unknown)
        try Data("seeds: two\n".utf8).write(to: url)
        let type = message { try ExperimentFile.load(from: url) }
        XCTAssertTrue(type.contains("e.yaml:1:8: seeds: expected an integer"), type)

        // Review finding: seeds, pretrain_preset and pretrain_config were lost from the record.
        let pretrainYAML = folder.appendingPathComponent("pretrain.yaml")
        try Data("lambda_adv: 0.01\n".utf8).write(to: pretrainYAML)
        var options = ExperimentOptions(
            database: "/d/c.sqlite", tasks: [], backbones: [.resnet18], configurations: [.ce],
            out: folder.appendingPathComponent("exp"))
        options.seeds = 3
        try options.setPretraining(preset: .paper, configPath: pretrainYAML.path)
        XCTAssertEqual(options.pretrainBase.lambdaAdv, 0.01, "read once, over the preset")
        XCTAssertEqual(options.pretrainBase.discriminatorPooling, RunConfig.paper.discriminatorPooling)
        let file = ExperimentFile(options)
        try file.write(to: options.out)
        let recorded = try ExperimentFile.load(from: options.out.appendingPathComponent(ExperimentFile.fileName(lowData: false)))
        XCTAssertEqual(recorded, file)
        XCTAssertEqual(recorded.seeds, 3)
        XCTAssertEqual(recorded.pretrainPreset, .paper)
        XCTAssertEqual(recorded.pretrainConfig, pretrainYAML.standardizedFileURL.path)
        // The file is read when the options are set, not again per sub-run.
        try FileManager.default.removeItem(at: pretrainYAML)
        let runner = ExperimentRunner(options: options, log: { _ in })
        XCTAssertEqual(try runner.pretrainConfig(for: .ce, backbone: .resnet18)?.lambdaAdv, 0.01)
    }
}
