import Foundation
import SonoData
import SonoModels
import XCTest

@testable import SonoTrain

/// `max_images` and `train_fraction` draw seeded subsets; on a table sorted by class (as BUSI's
/// is) the first rows would be a single class.
final class FinetuneSampleSelectionTests: XCTestCase {
    private func sortedByClass(_ split: SplitName, perClass: Int) -> [DownstreamSample] {
        ["benign", "malignant", "normal"].flatMap { label in
            (0..<perClass).map { i in
                DownstreamSample(id: "\(label)_\(i)", imagePath: URL(fileURLWithPath: "/x/\(label)_\(i).png"), label: label, split: split)
            }
        }
    }

    private func config(seed: UInt64 = 0, maxImages: Int? = nil, fraction: Double = 1) -> FinetuneConfig {
        var config = FinetuneConfig.paperDefaults(task: .classification, taskName: "busi", backbone: .resnet18)
        config.seed = seed
        config.maxImages = maxImages
        config.trainFraction = fraction
        return config
    }

    func testMaxImagesDrawsFromEveryClassOfASortedTable() {
        let train = sortedByClass(.train, perClass: 100)
        let validation = sortedByClass(.val, perClass: 20)
        let picked = FinetuneRun.selectSamples(train: train, validation: validation, config: config(maxImages: 60))
        XCTAssertEqual(picked.train.count, 60)
        XCTAssertEqual(picked.validation.count, 15)
        XCTAssertEqual(Set(picked.train.compactMap(\.label)), ["benign", "malignant", "normal"])
        XCTAssertEqual(Set(picked.validation.compactMap(\.label)).count, 3, "validation must not be one class either")
        // Kept in table order, without repeats.
        let positions = picked.train.map { sample in train.firstIndex(of: sample)! }
        XCTAssertEqual(positions, positions.sorted())
        XCTAssertEqual(Set(positions).count, positions.count)
    }

    func testSubsetsAreSeededAndValidationIsTheSameForEverySeed() {
        let train = sortedByClass(.train, perClass: 50)
        let validation = sortedByClass(.val, perClass: 30)
        let a = FinetuneRun.selectSamples(train: train, validation: validation, config: config(seed: 1, maxImages: 40))
        let again = FinetuneRun.selectSamples(train: train, validation: validation, config: config(seed: 1, maxImages: 40))
        let b = FinetuneRun.selectSamples(train: train, validation: validation, config: config(seed: 2, maxImages: 40))
        XCTAssertEqual(a.train, again.train)
        XCTAssertNotEqual(a.train, b.train)
        XCTAssertEqual(a.validation, b.validation)
    }

    func testNoCapKeepsEverythingAndFractionStaysAsBefore() {
        let train = sortedByClass(.train, perClass: 10)
        let validation = sortedByClass(.val, perClass: 2)
        let all = FinetuneRun.selectSamples(train: train, validation: validation, config: config())
        XCTAssertEqual(all.train, train)
        XCTAssertEqual(all.validation, validation)
        let share = FinetuneRun.selectSamples(train: train, validation: validation, config: config(seed: 3, fraction: 0.2))
        XCTAssertEqual(share.train.count, 6)
        XCTAssertEqual(share.validation, validation)
    }
}
