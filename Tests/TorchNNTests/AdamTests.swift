import Foundation
import TestSupport
import Torch
import XCTest

@testable import TorchNN

final class AdamTests: XCTestCase {
    private func makeParameters() throws -> (Tensor, Tensor) {
        let a = try Tensor([1.0, -2.0, 0.5] as [Double]).setRequiresGrad()
        let b = try Tensor([0.25, -0.75] as [Double], shape: [1, 2]).setRequiresGrad()
        return (a, b)
    }

    private func loss(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let target = try Tensor([0.3, 0.1, -0.2] as [Double])
        return try (a - target).pow(2).sum() * 1.5 + b.pow(3).sum()
    }

    private func step(_ optimizer: Adam, _ a: Tensor, _ b: Tensor) throws {
        try optimizer.zeroGrad()
        try loss(a, b).backward()
        try optimizer.step()
    }

    private func makeOptimizer(_ a: Tensor, _ b: Tensor) throws -> Adam {
        try Adam(groups: [
            Adam.ParameterGroup(parameters: [("a", a)], learningRate: 0.1, weightDecay: 0.01),
            Adam.ParameterGroup(parameters: [("b", b)], learningRate: 0.05)
        ])
    }

    /// Step 1 by hand: m̂ = g and v̂ = g², so each parameter moves by −lr·g/(|g| + ε) ≈ −lr·sign(g).
    /// Steps 1–3 against torch.optim.Adam (scripts/torch_reference.py).
    func testStepsMatchPyTorch() throws {
        let (a, b) = try makeParameters()
        let optimizer = try makeOptimizer(a, b)
        try step(optimizer, a, b)
        let a1 = try a.toArray(of: Double.self)
        XCTAssertEqual(a1[0], 1.0 - 0.1, accuracy: 1e-8)
        XCTAssertEqual(a1[1], -2.0 + 0.1, accuracy: 1e-8)
        XCTAssertEqual(try b.toArray(of: Double.self)[0], 0.25 - 0.05, accuracy: 1e-8)
        for (x, y) in zip(a1, [0.9000000004739337, -1.9000000001582278, 0.40000000047505935]) {
            XCTAssertEqual(x, y, accuracy: 1e-13)
        }
        try step(optimizer, a, b)
        try step(optimizer, a, b)
        let expectedA = [0.7027371767836171, -1.7005867163663253, 0.202747698714378]
        let expectedB = [0.10661018512729592, -0.9002378297110225]
        for (x, y) in zip(try a.toArray(of: Double.self), expectedA) { XCTAssertEqual(x, y, accuracy: 1e-13) }
        for (x, y) in zip(try b.toArray(of: Double.self), expectedB) { XCTAssertEqual(x, y, accuracy: 1e-13) }
        XCTAssertEqual(optimizer.stepCount(of: "a"), 3)
        XCTAssertTrue(isGradEnabled, "step() must restore grad mode")
    }

    /// float32 CPU parameters take the fused single-pass kernel: the same three steps as
    /// torch.optim.Adam (float64 reference above) to float32 rounding, and the op-by-op path's values.
    func testFusedFloat32StepsMatchPyTorchAndTheOpByOpPath() throws {
        func run(fused: Bool) throws -> ([Float], [Float]) {
            let a = try Tensor([1.0, -2.0, 0.5] as [Float]).setRequiresGrad()
            let b = try Tensor([0.25, -0.75] as [Float], shape: [1, 2]).setRequiresGrad()
            let optimizer = try makeOptimizer(a, b)
            optimizer.fused = fused
            for _ in 0..<3 {
                try optimizer.zeroGrad()
                let target = try Tensor([0.3, 0.1, -0.2] as [Float])
                try ((a - target).pow(2).sum() * 1.5 + b.pow(3).sum()).backward()
                try optimizer.step()
            }
            XCTAssertEqual(optimizer.stepCount(of: "b"), 3)
            return (try a.toArray(of: Float.self), try b.toArray(of: Float.self))
        }
        let (fusedA, fusedB) = try run(fused: true)
        let (plainA, plainB) = try run(fused: false)
        let expectedA = [0.7027371767836171, -1.7005867163663253, 0.202747698714378]
        let expectedB = [0.10661018512729592, -0.9002378297110225]
        for (x, y) in zip(fusedA, expectedA) { XCTAssertEqual(Double(x), y, accuracy: 2e-6) }
        for (x, y) in zip(fusedB, expectedB) { XCTAssertEqual(Double(x), y, accuracy: 2e-6) }
        for (x, y) in zip(fusedA + fusedB, plainA + plainB) { XCTAssertEqual(x, y, accuracy: 1e-6) }
    }

    /// A large parameter (split over threads by the kernel) with gradients of every magnitude:
    /// ten fused steps against ten op-by-op steps, to float32 rounding of each update.
    func testFusedKernelMatchesOpByOpOnALargeParameter() throws {
        let start = try Tensor.randn([300_000])
        let gradients = try (0..<10).map { k in try Tensor.randn([300_000]) * Foundation.pow(10, Double(k % 5) - 3) }
        func run(fused: Bool) throws -> [Float] {
            let p = try start.clone().setRequiresGrad()
            let optimizer = try Adam(parameters: [("p", p)], learningRate: 1e-3, weightDecay: 1e-4)
            optimizer.fused = fused
            for g in gradients {
                try optimizer.zeroGrad()
                try (p * g).sum().backward()
                try optimizer.step()
            }
            return try p.toArray(of: Float.self)
        }
        let fused = try run(fused: true), plain = try run(fused: false)
        var worst: Float = 0
        for (a, b) in zip(fused, plain) { worst = max(worst, abs(a - b)) }
        XCTAssertLessThan(worst, 1e-6, "10 steps of lr 1e-3 move weights by up to 1e-2")
    }

    /// A parameter without a gradient is skipped and keeps its step count at 0, as in PyTorch.
    func testFusedStepSkipsParametersWithoutGradient() throws {
        let used = try Tensor([1, 2] as [Float]).setRequiresGrad()
        let unused = try Tensor([3, 4] as [Float]).setRequiresGrad()
        let optimizer = try Adam(parameters: [("used", used), ("unused", unused)], learningRate: 0.1)
        try optimizer.zeroGrad()
        try used.sum().backward()
        try optimizer.step()
        XCTAssertEqual(try unused.toArray(of: Float.self), [3, 4])
        XCTAssertEqual(optimizer.stepCount(of: "unused"), 0)
        XCTAssertEqual(try used.toArray(of: Float.self)[0], 0.9, accuracy: 1e-6)
    }

    func testSavedStateContinuesIdentically() throws {
        let folder = try temporaryFolder("adam")

        let (a, b) = try makeParameters()
        let optimizer = try makeOptimizer(a, b)
        try step(optimizer, a, b)
        try step(optimizer, a, b)
        let stateURL = folder.appendingPathComponent("adam.safetensors")
        try optimizer.save(to: stateURL)
        let names = try SafeTensors.load(contentsOf: stateURL).names.sorted()
        XCTAssertEqual(names, ["a.exp_avg", "a.exp_avg_sq", "a.step", "b.exp_avg", "b.exp_avg_sq", "b.step"])

        // A second optimizer over copies of the parameters resumes from the file.
        let a2 = try a.detached().clone().setRequiresGrad()
        let b2 = try b.detached().clone().setRequiresGrad()
        let resumed = try makeOptimizer(a2, b2)
        try resumed.load(contentsOf: stateURL)
        XCTAssertEqual(resumed.stepCount(of: "a"), 2)
        for _ in 0..<2 {
            try step(optimizer, a, b)
            try step(resumed, a2, b2)
        }
        XCTAssertEqual(try a.toArray(of: Double.self), try a2.toArray(of: Double.self))
        XCTAssertEqual(try b.toArray(of: Double.self), try b2.toArray(of: Double.self))

        // A fresh optimizer (no state) diverges, so the comparison above can fail.
        let a3 = try a2.detached().clone().setRequiresGrad()
        let b3 = try b2.detached().clone().setRequiresGrad()
        let fresh = try makeOptimizer(a3, b3)
        try step(fresh, a3, b3)
        try step(resumed, a2, b2)
        XCTAssertNotEqual(try a3.toArray(of: Double.self), try a2.toArray(of: Double.self))
    }

    func testLoadingMismatchedStateReportsEverything() throws {
        let (a, b) = try makeParameters()
        let optimizer = try makeOptimizer(a, b)
        let state: [String: Tensor] = [
            "a.exp_avg": try Tensor.zeros([4], dtype: .float64),
            "a.exp_avg_sq": try Tensor.zeros([3], dtype: .float64),
            "a.step": try Tensor(scalar: Int64(1)),
            "b.exp_avg": try Tensor.zeros([1, 2], dtype: .float64),
            "c.exp_avg": try Tensor.zeros([1])
        ]
        XCTAssertThrowsError(try optimizer.loadStateDict(state)) { error in
            guard let error = error as? StateDictError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.report.missingKeys.sorted(), ["b.exp_avg_sq", "b.step"])
            XCTAssertEqual(error.report.unexpectedKeys, ["c.exp_avg"])
            XCTAssertEqual(error.report.shapeMismatches.map(\.key), ["a.exp_avg"])
        }
        XCTAssertEqual(optimizer.stepCount(of: "a"), 0)
    }

    func testRejectsBadHyperParametersAndDuplicates() throws {
        let (a, _) = try makeParameters()
        XCTAssertThrowsError(try Adam(parameters: [("a", a)], learningRate: -1))
        XCTAssertThrowsError(try Adam(parameters: [("a", a)], betas: (1.0, 0.999)))
        XCTAssertThrowsError(try Adam(parameters: [("a", a), ("a", a)]))
    }
}
