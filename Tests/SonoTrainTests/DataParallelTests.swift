import Foundation
import SonoTrainTestSupport
import Torch
import TorchNN
import XCTest

@testable import SonoTrain

/// Data-parallel pretraining steps with the replicas on threads of this process (the same Gloo
/// collectives as between processes), and mixed precision.
final class DataParallelTests: XCTestCase {
    private func batches(_ count: Int, size: Int) throws -> [PretrainBatch] {
        try syntheticBatches(count, size: size, seed: 11, orderSeed: 3)
    }

    private func weights(_ trainer: Pretrainer) throws -> [String: [Float]] { try stateValues(of: trainer) }

    private func maxDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> Float { worstDifference(a, b).value }

    /// The largest |a − b| over all entries, and where it is (for the failure message).
    private func worstDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> (value: Float, name: String) {
        var worst: (value: Float, name: String) = (0, "")
        for (name, x) in a {
            guard let y = b[name], y.count == x.count else { return (.infinity, name) }
            for (u, v) in zip(x, y) where abs(u - v) > worst.value { worst = (abs(u - v), name) }
        }
        return worst
    }

    /// Trains `steps` CE+DCM steps as `world` replicas on threads, each on its shard of every
    /// batch, starting from `start`'s weights; returns every replica's final weights.
    private func replicate(world: Int, config: RunConfig, start: Pretrainer, batches: [PretrainBatch], whole: Bool = false) throws
        -> [[String: [Float]]]
    {
        let port = try ProcessGroup.freeLoopbackPort()
        let collected = Collected(world)
        let initial = start.generator.stateDict().map { ($0.name, $0.tensor) }
        let initialD = start.discriminator?.stateDict().map { ($0.name, $0.tensor) } ?? []
        let done = DispatchGroup()
        for rank in 0..<world {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do {
                    let group = try ProcessGroup(
                        masterAddress: "127.0.0.1", masterPort: port, rank: rank, worldSize: world,
                        timeoutSeconds: 120)
                    let trainer = try Pretrainer(config: config, labelCount: 3, group: group)
                    // Threads share libtorch's generator, so set the start explicitly (processes
                    // get it from the seed and rank 0's broadcast).
                    try withNoGrad {
                        for (name, t) in trainer.generator.stateDict() { try t.copy(from: XCTUnwrap(initial.first { $0.0 == name }?.1)) }
                        for (name, t) in trainer.discriminator?.stateDict() ?? [] {
                            try t.copy(from: XCTUnwrap(initialD.first { $0.0 == name }?.1))
                        }
                    }
                    let shard = whole ? DataShard.whole : DataShard(index: rank, count: world)
                    for (step, batch) in batches.enumerated() {
                        let rows = shard.positions(in: batch.images.shape[0])
                        let part = PretrainBatch(
                            images: try batch.images.narrowed(dim: 0, start: rows.lowerBound, length: rows.count),
                            labels: try batch.labels.narrowed(dim: 0, start: rows.lowerBound, length: rows.count))
                        _ = try trainer.trainStep(part, epoch: 1, step: step + 1)
                    }
                    collected.set(rank, try self.weights(trainer))
                } catch {
                    collected.fail(error)
                }
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        done.wait()
        return try collected.results()
    }

    /// What the replica threads hand back.
    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var weights: [[String: [Float]]]
        private var errors: [Error] = []
        init(_ world: Int) { weights = Array(repeating: [:], count: world) }
        func set(_ rank: Int, _ w: [String: [Float]]) { lock.lock(); weights[rank] = w; lock.unlock() }
        func fail(_ error: Error) { lock.lock(); errors.append(error); lock.unlock() }
        func results() throws -> [[String: [Float]]] {
            lock.lock()
            defer { lock.unlock() }
            if let first = errors.first { throw first }
            return weights
        }
    }

    /// The acceptance test: 2 replicas × batch 4 with synchronised batch norm end with the
    /// weights of 1 process × batch 8 after 3 CE+DCM steps (ResNet-18, 64×96): weights within
    /// 1e-4, running statistics within twice the measured float noise.
    /// Without synchronisation the statistics differ and so do the weights, which shows the
    /// comparison can fail.
    func testTwoReplicasWithSyncBatchNormEqualOneProcessWithTheWholeBatch() throws {
        // The paper's learning rates (1e-4 F, 1e-5 D), tinyConfig's small widths. Adam's ε is
        // raised from 1e-8: with ε ≪ |g| its first steps are lr·sign(g), so rounding noise in
        // near-zero gradient elements flips whole steps — measured here, plain one-process
        // training on images × (1 + 1e-6) moves weights by 3.3e-4 after 3 steps. With ε = 1e-2
        // the step is a smooth function of the gradient, so the comparison tests the gradients
        // and statistics, not float summation order.
        var config = tinyConfig()
        config.batchSize = 8
        config.adamEpsilon = 1e-2
        let data = try batches(3, size: 8)
        let single = try Pretrainer(config: config, labelCount: 3)
        let start = try Pretrainer(config: config, labelCount: 3)
        for (step, batch) in data.enumerated() { _ = try single.trainStep(batch, epoch: 1, step: step + 1) }
        let expected = try weights(single)

        var synced = config
        synced.syncBatchNorm = true
        let replicas = try replicate(world: 2, config: synced, start: start, batches: data)
        XCTAssertEqual(replicas[0].count, expected.count)
        // The noise floor of the comparison: the same one-process run on inputs × (1 + 1e-6).
        let perturbed = try data.map { PretrainBatch(images: try $0.images * (1 + 1e-6), labels: $0.labels) }
        let floor = try Pretrainer(config: config, labelCount: 3)
        for (step, batch) in perturbed.enumerated() { _ = try floor.trainStep(batch, epoch: 1, step: step + 1) }
        let noise = maxDifference(try weights(floor), expected)
        print("noise floor (inputs × (1 + 1e-6)): \(noise)")

        let parameters = Set(
            single.generator.namedParameters().map { "F." + $0.name }
                + (single.discriminator?.namedParameters().map { "D." + $0.name } ?? []))
        let worstParameter = worstDifference(replicas[0].filter { parameters.contains($0.key) }, expected)
        let worst = worstDifference(replicas[0], expected)
        print(
            "sync-batchnorm replicas vs one process: max |Δ| \(worst.value) (\(worst.name)); parameters \(worstParameter.value) (\(worstParameter.name))"
        )
        // The weights themselves meet the 1e-4 (measured 1.8e-5 with torch 2.15).
        XCTAssertLessThanOrEqual(worstParameter.value, 1e-4, "largest weight difference in \(worstParameter.name)")
        // Running statistics are variances of conv outputs summed in another order; with torch
        // 2.15 their float noise alone is ~1.2e-4 (the floor above), so they are held to twice
        // the measured floor, and at least 1e-4.
        let bound = max(1e-4, 2 * noise)
        XCTAssertLessThanOrEqual(worst.value, bound, "largest difference in \(worst.name)")
        XCTAssertEqual(maxDifference(replicas[0], replicas[1]), 0, "replicas take identical steps")

        let unsynced = try replicate(world: 2, config: config, start: start, batches: data)
        XCTAssertGreaterThan(maxDifference(unsynced[0], expected), bound, "per-replica statistics must show")
    }

    /// bf16 autocast on CPU follows fp32 over 3 steps: L_F within 2 % at every step, L_D within
    /// 10 % on the first, F's weight updates pointing the same way; bf16 keeps 8 significant bits
    /// in the forward pass while weights and Adam state stay fp32. Adam's ε is raised as in the
    /// test above so the update is a smooth function of the gradient.
    func testBFloat16StepsTrackFloat32() throws {
        var config = tinyConfig()
        config.batchSize = 4
        config.adamEpsilon = 1e-2
        let data = try batches(3, size: 4)
        var bf16 = config
        bf16.precision = .bf16
        let a = try Pretrainer(config: config, labelCount: 3), b = try Pretrainer(config: bf16, labelCount: 3)
        try withNoGrad {
            for ((_, x), (_, y)) in zip(a.generator.stateDict(), b.generator.stateDict()) { try y.copy(from: x) }
            for ((_, x), (_, y)) in zip(a.discriminator!.stateDict(), b.discriminator!.stateDict()) { try y.copy(from: x) }
        }
        let names = Set(a.generator.namedParameters().map { "F." + $0.name })
        let start = try weights(a).filter { names.contains($0.key) }
        for (step, batch) in data.enumerated() {
            let la = try a.trainStep(batch, epoch: 1, step: step + 1), lb = try b.trainStep(batch, epoch: 1, step: step + 1)
            print("bf16 vs fp32 step \(step + 1): L_F \(lb.generator) / \(la.generator), L_D \(lb.discriminator!) / \(la.discriminator!)")
            XCTAssertTrue(lb.generator.isFinite && lb.discriminator!.isFinite)
            // L_F tracks closely (measured within 0.2 % at every step). L_D does not: D's scores
            // are sums over pooled features, large numbers that its last linear layers compute in
            // bf16 under autocast (as PyTorch's autocast would), measured up to 21 % apart by
            // step 2; so L_D is compared on the first step only, from identical weights.
            XCTAssertEqual(lb.generator, la.generator, accuracy: 0.02 * abs(la.generator))
            if step == 0 { XCTAssertEqual(lb.discriminator!, la.discriminator!, accuracy: 0.1 * abs(la.discriminator!)) }
        }
        let wa = try weights(a).filter { names.contains($0.key) }, wb = try weights(b).filter { names.contains($0.key) }
        var dot = 0.0, na = 0.0, nb = 0.0
        for (name, w0) in start {
            for ((x0, x), y) in zip(zip(w0, wa[name]!), wb[name]!) {
                let u = Double(x - x0), v = Double(y - x0)
                dot += u * v
                na += u * u
                nb += v * v
            }
        }
        let cosine = dot / (na.squareRoot() * nb.squareRoot())
        print("bf16 vs fp32 after 3 steps: cosine of F's weight updates \(cosine)")
        XCTAssertGreaterThan(cosine, 0, "bf16 updates still go F's way")
        XCTAssertGreaterThan(maxDifference(wa, wb), 0, "bf16 really ran")
        XCTAssertEqual(b.generator.parameters().first?.dtype, .float32, "master weights stay fp32")
    }

    func testFloat16IsRefusedOnCPUWithAClearMessage() {
        var config = tinyConfig()
        config.precision = .fp16
        XCTAssertThrowsError(try Pretrainer(config: config, labelCount: 3)) {
            XCTAssertTrue("\($0)".contains("bfloat16 only"), "\($0)")
        }
    }

    /// GradScaler's rule, checked against torch.cuda.amp.GradScaler's documented behaviour.
    func testGradientScalerSkipsNonFiniteStepsAndAdaptsTheScale() throws {
        let w = try Tensor([1.0 as Float, 2]).setRequiresGrad()
        let adam = try Adam(parameters: [("w", w)], learningRate: 0.1)
        let scaler = GradientScaler(enabled: true, initialScale: 8, growthInterval: 2)
        // Finite: the unscaled gradient drives the step.
        try scaler.scaled(try (w * 3).sum()).backward()
        XCTAssertEqual(try w.grad!.toArray(of: Float.self), [24, 24])
        XCTAssertTrue(try scaler.step(adam))
        XCTAssertEqual(try w.grad!.toArray(of: Float.self), [3, 3])
        let afterFirst = try w.toArray(of: Float.self)
        XCTAssertEqual(afterFirst[0], 0.9, accuracy: 1e-6)  // Adam's first step moves by lr
        XCTAssertEqual(scaler.scale, 8)
        // Non-finite: skipped, scale halves, growth count resets.
        try adam.zeroGrad()
        try scaler.scaled(try (w * Double.infinity).sum()).backward()
        XCTAssertFalse(try scaler.step(adam))
        XCTAssertEqual(try w.toArray(of: Float.self), afterFirst)
        XCTAssertEqual(scaler.scale, 4)
        // Two finite steps in a row: the scale doubles.
        for _ in 0..<2 {
            try adam.zeroGrad()
            try scaler.scaled(try (w * 3).sum()).backward()
            XCTAssertTrue(try scaler.step(adam))
        }
        XCTAssertEqual(scaler.scale, 8)
        XCTAssertEqual(scaler.growthTracker, 0)
    }

    func testEnvironmentIsReadLikeTorchrunAndBadValuesAreNamed() throws {
        XCTAssertNil(try DistributedEnvironment.from([:]))
        let env = try DistributedEnvironment.from([
            "WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1",
            "MASTER_ADDR": "10.0.0.2", "MASTER_PORT": "29501"
        ])
        XCTAssertEqual(env, DistributedEnvironment(rank: 3, worldSize: 4, localRank: 1, masterAddress: "10.0.0.2", masterPort: 29501))
        XCTAssertEqual(env?.device(for: "cuda"), "cuda:1")
        XCTAssertEqual(env?.device(for: "cpu"), "cpu")
        let cases: [([String: String], String)] = [
            (["WORLD_SIZE": "2", "MASTER_ADDR": "h", "MASTER_PORT": "1"], "RANK"),
            (["WORLD_SIZE": "2", "RANK": "2", "MASTER_ADDR": "h", "MASTER_PORT": "1"], "RANK"),
            (["WORLD_SIZE": "two", "RANK": "0"], "WORLD_SIZE"),
            (["WORLD_SIZE": "2", "RANK": "0", "MASTER_PORT": "1"], "MASTER_ADDR"),
            (["WORLD_SIZE": "2", "RANK": "0", "MASTER_ADDR": "h", "MASTER_PORT": "70000"], "MASTER_PORT")
        ]
        for (environment, variable) in cases {
            XCTAssertThrowsError(try DistributedEnvironment.from(environment)) {
                XCTAssertTrue("\($0)".contains("environment variable \(variable)"), "\($0)")
            }
        }
    }

    /// `--dist-backend auto` takes Gloo on the CPU and NCCL for CUDA ranks only where the build
    /// has it; an explicit choice that cannot work names the flag.
    func testBackendFollowsTheDeviceAndImpossibleChoicesAreNamed() throws {
        XCTAssertEqual(try DistributedEnvironment.backend(requested: "auto", for: .cpu), .gloo)
        XCTAssertEqual(try DistributedEnvironment.backend(requested: "GLOO", for: .cuda(0)), .gloo)
        XCTAssertEqual(
            try DistributedEnvironment.backend(requested: "auto", for: .cuda(1)), DistributedBackend.ncclAvailable ? .nccl : .gloo)
        for (requested, device) in [("nccl", Device.cpu), ("mpi", Device.cpu)] {
            XCTAssertThrowsError(try DistributedEnvironment.backend(requested: requested, for: device)) {
                XCTAssertTrue("\($0)".contains("--dist-backend"), "\($0)")
            }
        }
        if !DistributedBackend.ncclAvailable {
            XCTAssertThrowsError(try DistributedEnvironment.backend(requested: "nccl", for: .cuda(0))) {
                XCTAssertTrue("\($0)".contains("no NCCL"), "\($0)")
            }
            let port = try ProcessGroup.freeLoopbackPort()
            XCTAssertThrowsError(
                try ProcessGroup(
                    masterAddress: "127.0.0.1", masterPort: port, rank: 0, worldSize: 1, timeoutSeconds: 5, backend: .nccl,
                    cudaDevice: 0)
            ) { XCTAssertTrue("\($0)".contains("without NCCL"), "\($0)") }
        }
    }

    func testLauncherDropsOnlyItsOwnFlags() {
        XCTAssertEqual(
            LocalLauncher.removing(
                ["--nproc-per-node", "--master-port"],
                from: ["pretrain", "--nproc-per-node", "2", "--out", "x", "--master-port=1234", "--epochs", "1"]),
            ["pretrain", "--out", "x", "--epochs", "1"])
    }

    func testShardsPartitionEveryBatch() {
        for n in [1, 2, 7, 8] {
            let parts = (0..<3).map { DataShard(index: $0, count: 3).positions(in: n) }
            XCTAssertEqual(parts.flatMap { Array($0) }, Array(0..<n))
        }
    }
}
