import Foundation
import TestSupport
import Torch
import XCTest

@testable import TorchNN

/// A two-level module, to check dotted names and mode propagation.
private final class Block: Layer {
    let registry = ModuleRegistry()
    let features: Sequential
    let head: Linear

    init() throws {
        features = registry.child(
            "features",
            Sequential(
                try Conv2d(1, 4, kernelSize: 3, padding: 1), try BatchNorm2d(4), ReLU(), MaxPool2d(kernelSize: 2),
                try Conv2d(4, 8, kernelSize: 3, padding: 1), Dropout(p: 0.5)))
        head = registry.child("head", try Linear(8, 2))
    }

    func forward(_ input: Tensor) throws -> Tensor {
        try head(features(input).adaptiveAvgPool2d(outputSize: 1).flattened(startDim: 1))
    }
}

final class ModuleTests: XCTestCase {
    private let expectedKeys = [
        "features.0.weight", "features.0.bias",
        "features.1.weight", "features.1.bias", "features.1.running_mean", "features.1.running_var",
        "features.1.num_batches_tracked",
        "features.4.weight", "features.4.bias",
        "head.weight", "head.bias"
    ]

    func testStateDictKeysCountParameterlessLayersLikePyTorch() throws {
        let block = try Block()
        XCTAssertEqual(block.stateDict().map(\.name), expectedKeys)
        XCTAssertEqual(block.namedParameters().count, 8)
        XCTAssertEqual(
            block.namedBuffers().map(\.name),
            ["features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked"])
        XCTAssertEqual(block.stateDict().first { $0.name.hasSuffix("num_batches_tracked") }?.tensor.dtype, .int64)
        XCTAssertTrue(block.parameters().allSatisfy(\.requiresGrad))
        XCTAssertEqual(block.parameterCount, 4 * 9 + 4 + 4 + 4 + 8 * 4 * 9 + 8 + 8 * 2 + 2)
    }

    func testKeysMatchPyTorchsOwnStateDict() throws {
        let python = try ReferencePython.torch()
        let script = """
            import torch.nn as nn
            m = nn.Module()
            m.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                       nn.Conv2d(4, 8, 3, padding=1), nn.Dropout(0.5))
            m.head = nn.Linear(8, 2)
            for k, v in m.state_dict().items(): print(k, list(v.shape), str(v.dtype))
            """
        let run = try ProcessRunner.run(python, ["-c", script])
        XCTAssertEqual(run.status, 0, run.standardError)
        let output = run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let block = try Block()
        let ours = block.stateDict().map { "\($0.name) \($0.tensor.shape) torch.\($0.tensor.dtype)" }
        let theirs = output.split(separator: "\n").map(String.init)
        XCTAssertEqual(ours, theirs)
    }

    func testTrainEvalPropagatesThroughTheTree() throws {
        let block = try Block()
        XCTAssertTrue(block.features[5].isTraining)
        block.eval()
        XCTAssertFalse(block.isTraining)
        XCTAssertFalse(block.features[5].isTraining)
        XCTAssertFalse(block.head.isTraining)
        block.features.train()
        XCTAssertTrue(block.features[1].isTraining)
        XCTAssertFalse(block.isTraining)
        block.train()
        block.withEvaluationMode { XCTAssertFalse(block.features[5].isTraining) }
        XCTAssertTrue(block.features[5].isTraining)
    }

    func testForwardBackwardAndZeroGrad() throws {
        let block = try Block()
        let out = try block(Tensor.randn([2, 1, 8, 8]))
        XCTAssertEqual(out.shape, [2, 2])
        try out.sum().backward()
        XCTAssertTrue(block.parameters().allSatisfy { $0.grad != nil })
        try block.zeroGrad()
        XCTAssertTrue(block.parameters().allSatisfy { $0.grad == nil })
    }

    func testMoveToCPUKeepsIdentityAndCUDAFailsClearly() throws {
        let block = try Block()
        let weight = block.head.weight
        try block.move(to: .cpu)
        XCTAssertTrue(block.head.weight === weight)
        if !Device.isCUDAAvailable {
            XCTAssertThrowsError(try block.move(to: .cuda(0))) { XCTAssertTrue("\($0)".contains("CUDA"), "\($0)") }
        }
        try block.convert(to: .float64)
        XCTAssertEqual(block.head.weight.dtype, .float64)
        XCTAssertEqual(block.features[1].registry.buffers.last?.tensor.dtype, .int64)
        XCTAssertTrue(block.head.weight.requiresGrad)
    }

    func testDefaultInitialisationBoundsMatchPyTorch() throws {
        // kaiming_uniform(a=√5) on a (64, 32, 3, 3) weight: bound = 1/√(32·9) = 1/√288.
        let conv = try Conv2d(32, 64, kernelSize: 3)
        let bound = 1 / Float(288).squareRoot()
        let w = try conv.weight.toArray(of: Float.self)
        XCTAssertLessThanOrEqual(w.map(Swift.abs).max() ?? 1, bound)
        XCTAssertGreaterThan(w.map(Swift.abs).max() ?? 0, bound * 0.95)
        let b = try XCTUnwrap(conv.bias).toArray(of: Float.self)
        XCTAssertLessThanOrEqual(b.map(Swift.abs).max() ?? 1, bound)
        // Transposed conv: fan_in is weight.size(1)·k² = out·9.
        let up = try ConvTranspose2d(16, 8, kernelSize: 3)
        XCTAssertEqual(up.weight.shape, [16, 8, 3, 3])
        XCTAssertLessThanOrEqual(try up.weight.abs().max().item(), 1 / Double(72).squareRoot() + 1e-7)
        let linear = try Linear(100, 10)
        XCTAssertLessThanOrEqual(try linear.weight.abs().max().item(), 0.1 + 1e-7)
        let bn = try BatchNorm2d(3)
        XCTAssertEqual(try XCTUnwrap(bn.weight).toArray(of: Float.self), [1, 1, 1])
        XCTAssertEqual(try XCTUnwrap(bn.runningVar).toArray(of: Float.self), [1, 1, 1])
    }

    func testInvalidLayerArgumentsThrow() {
        XCTAssertThrowsError(try Conv2d(3, 8, kernelSize: 3, groups: 2))
        XCTAssertThrowsError(try Linear(0, 3))
        XCTAssertThrowsError(try BatchNorm2d(0))
        XCTAssertThrowsError(try BatchNorm2d(2).forward(Tensor.zeros([2, 2])))
    }
}
