import Foundation
import TestSupport
import Torch
import XCTest

@testable import TorchNN

private final class Encoder: Layer {
    let registry = ModuleRegistry()
    let features: Sequential
    init(width: Int = 4) throws {
        features = registry.child("features", Sequential(try Conv2d(1, width, kernelSize: 3), try BatchNorm2d(width), ReLU()))
    }
    func forward(_ input: Tensor) throws -> Tensor { try features(input) }
}

private final class Model: Layer {
    let registry = ModuleRegistry()
    let encoder: Encoder
    let head: Linear
    init() throws {
        encoder = registry.child("encoder", try Encoder())
        head = registry.child("head", try Linear(4, 1))
    }
    func forward(_ input: Tensor) throws -> Tensor {
        try head(encoder(input).mean(dims: [2, 3]))
    }
}

final class StateDictTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try temporaryFolder("statedict")
    }

    func testSaveLoadRoundTripRestoresEveryTensor() throws {
        let model = try Model()
        _ = try model(Tensor.randn([2, 1, 6, 6]))  // moves running stats and num_batches_tracked
        let url = folder.appendingPathComponent("model.safetensors")
        try model.save(to: url, metadata: ["epoch": "3"])
        XCTAssertEqual(try SafeTensors.load(contentsOf: url).metadata["epoch"], "3")

        let copy = try Model()
        let report = try copy.load(contentsOf: url)
        XCTAssertTrue(report.isClean)
        for ((name, a), (_, b)) in zip(model.stateDict(), copy.stateDict()) {
            XCTAssertEqual(try a.rawBytes(), try b.rawBytes(), name)
        }
        XCTAssertEqual(try copy.encoder.features[1].registry.buffers[2].tensor.itemInt(), 1)
        XCTAssertTrue(copy.head.weight.requiresGrad, "loading must keep parameters trainable")
    }

    func testStrictLoadReportsMissingUnexpectedAndShapeMismatchesTogether() throws {
        let model = try Model()
        var tensors = Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor) })
        tensors["head.bias"] = nil
        tensors["encoder.features.1.running_var"] = nil
        tensors["extra.weight"] = try Tensor.zeros([1])
        tensors["head.weight"] = try Tensor.zeros([2, 4])
        let before = try model.encoder.features[0].registry.parameters[0].tensor.rawBytes()
        tensors["encoder.features.0.weight"] = try Tensor.zeros([4, 1, 3, 3])
        XCTAssertThrowsError(try model.loadStateDict(tensors)) { error in
            guard let error = error as? StateDictError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.report.missingKeys, ["encoder.features.1.running_var", "head.bias"])
            XCTAssertEqual(error.report.unexpectedKeys, ["extra.weight"])
            XCTAssertEqual(error.report.shapeMismatches, [.init(key: "head.weight", expected: [1, 4], found: [2, 4])])
            let text = "\(error)"
            XCTAssertTrue(text.contains("head.bias") && text.contains("extra.weight") && text.contains("[2, 4]"), text)
        }
        XCTAssertEqual(
            try model.encoder.features[0].registry.parameters[0].tensor.rawBytes(), before,
            "a refused load must change nothing")

        // Non-strict tolerates missing/unexpected keys but never shape mismatches.
        tensors["head.weight"] = nil
        let report = try model.loadStateDict(tensors, strict: false)
        XCTAssertEqual(report.missingKeys, ["encoder.features.1.running_var", "head.weight", "head.bias"])
        XCTAssertEqual(try model.encoder.features[0].registry.parameters[0].tensor.abs().sum().item(), 0)
    }

    func testPrefixModeLoadsOnlyTheEncoder() throws {
        let model = try Model()
        let url = folder.appendingPathComponent("whole.safetensors")
        try model.save(to: url)
        let encoder = try Encoder()
        try encoder.load(contentsOf: url, prefix: "encoder.")
        XCTAssertEqual(
            try encoder.features[0].registry.parameters[0].tensor.rawBytes(),
            try model.encoder.features[0].registry.parameters[0].tensor.rawBytes())
        // Saving with a prefix produces keys a whole-model load accepts.
        let encoderURL = folder.appendingPathComponent("encoder.safetensors")
        try encoder.save(to: encoderURL, prefix: "encoder.")
        let other = try Model()
        let report = try other.load(contentsOf: encoderURL, strict: false)
        XCTAssertEqual(report.missingKeys, ["head.weight", "head.bias"])
        XCTAssertThrowsError(try Encoder(width: 8).load(contentsOf: url, prefix: "encoder."))
    }

    func testPyTorchWrittenCheckpointLoads() throws {
        let python = try ReferencePython.torch()
        // Written by PyTorch itself, in the safetensors layout, without the safetensors package.
        let url = folder.appendingPathComponent("torch.safetensors")
        let script = """
            import json, struct, torch
            torch.manual_seed(0)
            m = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU())
            m(torch.randn(2, 1, 5, 5))
            names = {torch.float32: "F32", torch.int64: "I64"}
            header, blobs, offset = {}, [], 0
            for k, v in m.state_dict().items():
                b = v.contiguous().numpy().tobytes()
                header[k] = {"dtype": names[v.dtype], "shape": list(v.shape), "data_offsets": [offset, offset + len(b)]}
                blobs.append(b); offset += len(b)
            h = json.dumps(header).encode()
            with open("\(url.path)", "wb") as f:
                f.write(struct.pack("<Q", len(h))); f.write(h); f.write(b"".join(blobs))
            m.eval()
            print(float(m(torch.ones(1, 1, 5, 5)).sum()))
            """
        let run = try ProcessRunner.run(python, ["-c", script])
        XCTAssertEqual(run.status, 0, run.standardError)
        let expected = try XCTUnwrap(Double(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)), run.combined)
        let model = try Encoder()
        try model.features.load(contentsOf: url)
        model.eval()
        XCTAssertEqual(try model(Tensor.ones([1, 1, 5, 5])).sum().item(), expected, accuracy: 1e-4)
    }
}
