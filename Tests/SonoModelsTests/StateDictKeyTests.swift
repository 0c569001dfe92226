import Torch
import TorchNN
import XCTest

@testable import SonoModels

final class StateDictKeyTests: XCTestCase {
    private func keys(_ m: any Module) -> [String] { m.stateDict().map { "\($0.name) \($0.tensor.shape)" } }

    func testVGG16BNHasTorchvisionsKeyCounts() throws {
        let full = try VGG(.vgg16bn, includeClassifier: true)
        XCTAssertEqual(full.stateDict().count, 97)
        XCTAssertEqual(full.stateDict().filter { $0.name.hasPrefix("features.") }.count, 91)
        XCTAssertTrue(full.stateDict().contains { $0.name == "features.41.num_batches_tracked" })
        XCTAssertTrue(full.stateDict().contains { $0.name == "classifier.6.weight" })
    }

    func testResNet50HasTorchvisionsKeyCounts() throws {
        let full = try ResNet(.resnet50, includeClassifier: true)
        let sd = full.stateDict()
        XCTAssertEqual(sd.count, 320)
        XCTAssertEqual(sd.filter { $0.name.hasSuffix("num_batches_tracked") }.count, 53)
        XCTAssertEqual(sd.first { $0.name == "num_batches_tracked" }?.tensor.dtype, nil)
        XCTAssertEqual(sd.first { $0.name == "layer1.0.bn1.num_batches_tracked" }?.tensor.dtype, .int64)
    }

    /// Names, order and shapes equal torchvision's own state_dict, for all four backbones.
    func testKeysAndShapesMatchTorchvision() throws {
        try PythonOracle.requireTorchvision()
        let cases: [(Backbone, String)] = [(.vgg16bn, "vgg16_bn"), (.vgg11bn, "vgg11_bn"), (.resnet18, "resnet18"), (.resnet50, "resnet50")]
        let all = try PythonOracle.stateDictKeys(cases.map(\.1))
        for (backbone, constructor) in cases {
            let expected = all[constructor] ?? []
            XCTAssertFalse(expected.isEmpty, constructor)
            let model = try makeFeatureExtractor(backbone, includeClassifier: true)
            XCTAssertEqual(keys(model), expected, "\(backbone)")
        }
    }

    func testEncoderAloneOmitsOnlyTheClassifier() throws {
        let full = Set(try VGG(.vgg16bn, includeClassifier: true).stateDict().map(\.name))
        let encoder = Set(try VGG(.vgg16bn).stateDict().map(\.name))
        XCTAssertEqual(
            full.subtracting(encoder).sorted(),
            [
                "classifier.0.bias", "classifier.0.weight", "classifier.3.bias",
                "classifier.3.weight", "classifier.6.bias", "classifier.6.weight"
            ])
        let r = Set(try ResNet(.resnet50).stateDict().map(\.name))
        XCTAssertEqual(Set(try ResNet(.resnet50, includeClassifier: true).stateDict().map(\.name)).subtracting(r), ["fc.weight", "fc.bias"])
    }
}
