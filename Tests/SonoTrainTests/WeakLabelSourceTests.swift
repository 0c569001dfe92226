import Foundation
import SonoData
import SonoModels
import SonoTrainTestSupport
import TestSupport
import Torch
import XCTest

@testable import SonoTrain

/// The manifest's stored labels are what pretraining and experiments train on: a hospital's own
/// mapping, written by `sonotag labels`, must reach the checkpoints.
final class WeakLabelSourceTests: XCTestCase {
    /// A mapping unlike the paper's: its own groups (K = 4, a group "elsewhere" the paper lacks).
    static let customMapping = """
        extends: none
        transducer:
          groups: [linear, curvilinear]
          rules:
            - { pattern: "^SL", group: linear }
            - { pattern: "^SC", group: curvilinear }
        study:
          groups: [liver, elsewhere]
          rules:
            - { pattern: "LIVER", groups: [liver] }
            - { pattern: ".", groups: [elsewhere] }
        """

    var root: URL!
    var db: String!

    override func setUpWithError() throws {
        root = try temporaryFolder("weak-labels")
        db = try PretrainPhantomTests.makeCohort(in: root)
        try TorchRuntime.setThreadCount(2)
    }

    private func writeCustomMapping() throws -> (path: String, mapping: LabelMapping) {
        let url = root.appendingPathComponent("hospital-labels.yaml")
        try Data(Self.customMapping.utf8).write(to: url)
        return (url.path, try LabelMapping.chosen(path: url.path))
    }

    func testUnlabelledManifestIsAnErrorThatSaysWhatToRun() throws {
        XCTAssertThrowsError(try openCohort(db: db, config: tinyConfig())) { error in
            guard case SonoDataError.noStoredLabels = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("sonotag labels"), "\(error)")
        }
    }

    func testCustomMappingStoredByLabelsReachesTheCheckpoint() throws {
        let (_, mapping) = try writeCustomMapping()
        XCTAssertEqual(mapping.groupNames, ["linear", "curvilinear", "liver", "elsewhere"])
        // What `sonotag labels --labels FILE` does.
        let report = try ManifestDatabase(path: db).applyLabels(mapping)
        XCTAssertGreaterThan(report.groupCounts[3], 0, "the new group labels some images")

        var config = tinyConfig(epochs: 1, batchSize: 8)
        config.gridImages = 0
        let (train, validation) = try openCohort(db: db, config: config)
        XCTAssertEqual(train.labelCount, 4)
        XCTAssertEqual(train.labelGroupNames, mapping.groupNames)
        // The vectors are the stored ones, file by file.
        let stored = try ManifestDatabase(path: db).weakLabels()
        for sample in train.dataset.samples { XCTAssertEqual(sample.labels, stored.vectors[sample.fileId]) }

        let run = root.appendingPathComponent("run")
        _ = try pretrain(
            config: config, train: train, validation: validation, runDirectory: run, progress: ProgressReporter(style: .silent))
        let layout = PretrainRunLayout(run)
        let (checkpoint, archive) = try PretrainCheckpoint.read(layout.bestCheckpoint)
        XCTAssertEqual(checkpoint.labelCount, 4)
        XCTAssertEqual(checkpoint.labelMappingHash, mapping.hash)
        XCTAssertEqual(checkpoint.labelGroupNames, mapping.groupNames)
        // The projection discriminator is conditioned on K = 4 labels.
        XCTAssertEqual(archive.dictionary["model.D.projection.weight"]?.shape.last, 4)
        XCTAssertEqual(try RunLabels.read(from: layout.labels), RunLabels(mappingHash: mapping.hash, groupNames: mapping.groupNames))

        // Relabelling with the paper's mapping, then resuming, is refused with both hashes.
        try ManifestDatabase(path: db).applyLabels(.paperDefault())
        var longer = config
        longer.epochs = 2
        let (train2, validation2) = try openCohort(db: db, config: longer)
        XCTAssertThrowsError(
            try pretrain(
                config: longer, train: train2, validation: validation2, runDirectory: run, resume: true,
                progress: ProgressReporter(style: .silent))
        ) { error in
            XCTAssertTrue("\(error)".contains(mapping.hash) && "\(error)".contains(LabelMapping.paperDefault().hash), "\(error)")
        }
    }

    /// `experiment` with `labels` relabels the cohort through the same path, its CE+DCM
    /// pretraining trains on those labels, and a rerun with another mapping is refused up front.
    func testExperimentTrainsOnTheManifestLabelsAndRefusesAnotherMapping() throws {
        let (path, mapping) = try writeCustomMapping()
        let data = root.appendingPathComponent("downstream")
        try TinyDownstream.make(at: data, width: 96, height: 64)
        var options = ExperimentOptions(
            database: db, tasks: [try ExperimentTaskSpec(flag: "shapes:segmentation=\(data.path)")],
            backbones: [.resnet18], configurations: [.ceDCM], out: root.appendingPathComponent("exp"))
        options.labels = path
        options.height = 64
        options.width = 96
        options.pretrainEpochs = 1
        options.pretrainBatchSize = 8
        options.finetuneEpochs = 1
        options.finetuneBatchSize = 4
        options.decoderBaseWidth = 2
        options.resamples = 10
        options.overlays = 0
        var requests: [PretrainRequest] = []
        let runner = ExperimentRunner(
            options: options,
            pretrain: { request in
                requests.append(request)
                try ExperimentRunner.pretrainOnCohort(request)
            }, log: { _ in })
        try runner.runTable2()
        XCTAssertEqual(try ManifestDatabase(path: db).weakLabels().mappingHash, mapping.hash, "the experiment stored its labels")
        XCTAssertEqual(requests.map(\.labelMappingHash), [mapping.hash])
        let pretrainRun = ExperimentLayout(root: options.out).pretrainRun(backbone: .resnet18, method: .ceDCM)
        let (checkpoint, _) = try PretrainCheckpoint.read(PretrainRunLayout(pretrainRun).bestCheckpoint)
        XCTAssertEqual(checkpoint.labelCount, 4)
        XCTAssertEqual(checkpoint.labelMappingHash, mapping.hash)
        let recorded = try XCTUnwrap(try SubRunSettings.read(from: pretrainRun))
        XCTAssertTrue(recorded.entries.contains(SubRunSettings.Entry(key: "label_mapping_hash", value: mapping.hash)))

        // Same plan again: everything is reused.
        requests = []
        try runner.runTable2()
        XCTAssertEqual(requests.count, 0)

        // The paper's mapping now: stopped before any work, naming the setting and both hashes.
        var paper = options
        paper.labels = nil
        try ManifestDatabase(path: db).applyLabels(.paperDefault())
        let rerun = ExperimentRunner(options: paper, pretrain: { requests.append($0) }, log: { _ in })
        XCTAssertThrowsError(try rerun.runTable2()) { error in
            let text = "\(error)"
            XCTAssertTrue(
                text.contains("label_mapping_hash") && text.contains(mapping.hash) && text.contains(LabelMapping.paperDefault().hash), text)
        }
        XCTAssertEqual(requests.count, 0)
    }
}
