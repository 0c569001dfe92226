import Foundation
import TestSupport
import XCTest

@testable import Torch

/// c10d Gloo groups over loopback, with every member on its own thread of this process (the
/// collectives are the same as between processes; the command-line tests cover those).
final class ProcessGroupTests: XCTestCase {
    /// Runs `body` as ranks 0..<world of one group, concurrently; rethrows the first failure.
    private func withGroup(world: Int, _ body: @escaping @Sendable (ProcessGroup) throws -> Void) throws {
        let port = try ProcessGroup.freeLoopbackPort()
        let failures = Failures()
        var threads: [Thread] = []
        let done = DispatchGroup()
        for rank in 0..<world {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do {
                    let group = try ProcessGroup(
                        masterAddress: "127.0.0.1", masterPort: port, rank: rank, worldSize: world,
                        timeoutSeconds: 60)
                    try body(group)
                } catch {
                    failures.add(error)
                }
            }
            thread.stackSize = 8 << 20
            threads.append(thread)
            thread.start()
        }
        done.wait()
        if let first = failures.first { throw first }
    }

    /// Errors collected from the member threads.
    private final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [Error] = []
        func add(_ error: Error) { lock.lock(); errors.append(error); lock.unlock() }
        var first: Error? { lock.lock(); defer { lock.unlock() }; return errors.first }
    }

    func testAllReduceSumsAndAveragesEveryTensorInPlace() throws {
        try withGroup(world: 2) { group in
            let r = Float(group.rank)
            // Two dtypes and several shapes: each dtype is its own bucket.
            let a = try Tensor([1 + r, 2 + r, 3 + r, 4 + r], shape: [2, 2])
            let b = try Tensor([10 * (r + 1)], shape: [1])
            let c = try Tensor([Int64(group.rank + 1), 7])
            try group.allReduce([a, b, c])
            XCTAssertEqual(try floats(a), [3, 5, 7, 9], "small integers: the sum is exact")
            XCTAssertEqual(try floats(b), [30])
            XCTAssertEqual(try c.toArray(of: Int64.self), [3, 14])
            let d = try Tensor([2 * r, 4])
            try group.allReduce([d], average: true)
            XCTAssertEqual(try floats(d), [1, 4], "halves of even integers: exact")
            XCTAssertEqual(try group.mean([Double(group.rank)]), [0.5])
            XCTAssertEqual(try group.sum([1, Double(group.rank)]), [2, 1])
        }
    }

    /// Gradients all-reduced during backward equal the all-reduce of the same gradients after
    /// it, bit for bit (two members: each element is one exact sum, halved), at every step of a
    /// graph that changes: p4 is unused in steps 0-1 (it keeps no gradient; from step 1 on, its
    /// bucket no longer holds the others back, so buckets start before backward returns), then
    /// used in steps 2-3 (step 2's gradient arrives in a bucket not waiting for it: reduced late).
    func testGradientReducerOverlapsBackwardAndEqualsTheAllReduceAfterIt() throws {
        try withGroup(world: 2) { group in
            let shapes = [[48, 32], [32], [32, 24], [24, 8], [6]]
            // Same starting weights on both members, other inputs: as data-parallel replicas.
            func parameters() throws -> [Tensor] {
                try shapes.enumerated().map { index, shape in
                    let count = shape.reduce(1, *)
                    let values = (0..<count).map { Float(sin(Double($0 * 7 + index * 13))) * 0.2 }
                    return try Tensor(values, shape: shape).setRequiresGrad()
                }
            }
            func loss(_ p: [Tensor], step: Int) throws -> Tensor {
                let values = (0..<(5 * 48)).map { Float(cos(Double($0 + 31 * group.rank + 101 * step))) }
                let x = try Tensor(values, shape: [5, 48])
                let h = try (x.matmul(p[0]) + p[1]).relu()
                let y = try h.matmul(p[2]).relu().matmul(p[3])
                let l = try (y * y).sum()
                return step >= 2 ? try l + (p[4] * p[4]).sum() : l
            }
            let overlapped = try parameters(), reference = try parameters()
            // Small buckets, so that there are several to overlap.
            let reducer = try GradientReducer(group: group, parameters: overlapped, firstBucketBytes: 512, bucketBytes: 4096)
            XCTAssertGreaterThanOrEqual(reducer.bucketCount, 3)
            for step in 0..<4 {
                for p in overlapped + reference { if let g = p.grad { try g.zero() } }
                let l = try loss(overlapped, step: step)
                try reducer.reduce { try l.backward() }
                if step == 1 || step == 3 {
                    XCTAssertGreaterThan(
                        reducer.bucketsStartedDuringBackward, 0, "step \(step): no bucket started before backward returned")
                }
                try loss(reference, step: step).backward()
                try group.allReduce(reference.compactMap(\.grad), average: true)
                for (index, (a, b)) in zip(overlapped, reference).enumerated() {
                    XCTAssertEqual(a.grad == nil, b.grad == nil, "parameter \(index)")
                    guard let ga = a.grad, let gb = b.grad else { continue }
                    XCTAssertEqual(try floats(ga), try floats(gb), "parameter \(index), step \(step)")
                }
                if step < 2 { XCTAssertNil(overlapped[4].grad, "the unused parameter") }
            }
        }
    }

    func testBroadcastCopiesRootValuesAndBarrierReturns() throws {
        try withGroup(world: 3) { group in
            let w = try Tensor([Float(group.rank), Float(group.rank * 10)]).setRequiresGrad()
            try group.broadcast([w], from: 1)
            XCTAssertEqual(try floats(w), [1, 10], "a broadcast copies bits")
            XCTAssertTrue(w.requiresGrad, "a parameter stays a parameter")
            try group.barrier()
        }
    }

    /// SyncBatchNorm over two halves of a batch equals libtorch's own batch norm over the whole
    /// batch: outputs, running statistics and the gradients of input, weight and bias (each
    /// replica's loss is its half's mean; the replicas' weight gradients are then averaged, as
    /// data-parallel training does).
    func testSyncBatchNormMatchesBatchNormOverTheWholeBatch() throws {
        let n = 6, c = 3, h = 4, w = 5
        var state: UInt64 = 42
        // Mean ≈ 4 next to a spread of ±2: checks the variance has no cancellation problem.
        let values: [Float] = (0..<(n * c * h * w)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 4 + 2
        }
        let upstream = (0..<(n * c * h * w)).map { Float(($0 * 37) % 11) / 11 - 0.5 }

        // Reference: one batch norm over all n images, loss = mean(y * upstream).
        let x = try Tensor(values, shape: [n, c, h, w]).setRequiresGrad()
        let weight = try Tensor([0.5, 1.5, -2] as [Float], shape: [c]).setRequiresGrad()
        let bias = try Tensor([0.1, 0.2, 0.3] as [Float], shape: [c]).setRequiresGrad()
        let runningMean = try Tensor.zeros([c]), runningVar = try Tensor.ones([c])
        let y = try x.batchNorm(
            weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
            training: true, momentum: 0.1, eps: 1e-5)
        try (y * Tensor(upstream, shape: [n, c, h, w])).mean().backward()
        let expectedY = try floats(y), expectedDX = try floats(x.grad!)
        let expectedDW = try floats(weight.grad!), expectedDB = try floats(bias.grad!)
        let expectedMean = try floats(runningMean), expectedVar = try floats(runningVar)

        let half = n / 2, per = c * h * w
        try withGroup(world: 2) { group in
            let rows = (group.rank * half * per)..<((group.rank + 1) * half * per)
            let xs = try Tensor(Array(values[rows]), shape: [half, c, h, w]).setRequiresGrad()
            let ws = try Tensor([0.5, 1.5, -2] as [Float], shape: [c]).setRequiresGrad()
            let bs = try Tensor([0.1, 0.2, 0.3] as [Float], shape: [c]).setRequiresGrad()
            let rm = try Tensor.zeros([c]), rv = try Tensor.ones([c])
            let ys = try group.syncBatchNorm(xs, weight: ws, bias: bs, runningMean: rm, runningVar: rv, momentum: 0.1, eps: 1e-5)
            try (ys * Tensor(Array(upstream[rows]), shape: [half, c, h, w])).mean().backward()
            try group.allReduce([ws.grad!, bs.grad!], average: true)
            assertClose(try floats(ys), Array(expectedY[rows]), accuracy: 1e-4)
            // This half's share of the whole-batch loss is half its own loss: gradients are 2×.
            assertClose(try floats(xs.grad!).map { $0 / 2 }, Array(expectedDX[rows]), accuracy: 1e-6)
            assertClose(try floats(ws.grad!), expectedDW, accuracy: 1e-5)
            assertClose(try floats(bs.grad!), expectedDB, accuracy: 1e-5)
            assertClose(try floats(rm), expectedMean, accuracy: 1e-5)
            assertClose(try floats(rv), expectedVar, accuracy: 1e-5)
        }
    }

    func testBadArgumentsAreErrorsNotCrashes() throws {
        XCTAssertThrowsError(try ProcessGroup(masterAddress: "127.0.0.1", masterPort: 0, rank: 0, worldSize: 2, timeoutSeconds: 1)) {
            XCTAssertTrue("\($0)".contains("port"), "\($0)")
        }
        XCTAssertThrowsError(try ProcessGroup(masterAddress: "127.0.0.1", masterPort: 29_999, rank: 2, worldSize: 2, timeoutSeconds: 1)) {
            XCTAssertTrue("\($0)".contains("rank 2"), "\($0)")
        }
        // Nobody hosts the store: the rendezvous gives up after the timeout instead of hanging.
        let port = try ProcessGroup.freeLoopbackPort()
        XCTAssertThrowsError(try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, rank: 1, worldSize: 2, timeoutSeconds: 2)) {
            XCTAssertTrue("\($0)".contains("cannot reach the rendezvous store"), "\($0)")
        }
    }

    /// bf16 autocast on CPU: a convolution computes in bfloat16 (within bf16's 3 significant
    /// digits of the fp32 result), and the state is restored afterwards.
    func testAutocastRunsConvolutionInBFloat16OnCPU() throws {
        let x = try Tensor.randn([2, 3, 8, 8]), k = try Tensor.randn([4, 3, 3, 3])
        let reference = try x.conv2d(weight: k, bias: nil, stride: 1, padding: 1)
        let mixed = try withAutocast(device: .cpu, dtype: .bfloat16) { try x.conv2d(weight: k, bias: nil, stride: 1, padding: 1) }
        XCTAssertEqual(mixed.dtype, .bfloat16)
        let scale = try reference.abs().max().item()
        let error = try (mixed.to(dtype: .float32) - reference).abs().max().item()
        XCTAssertLessThan(error / scale, 2e-2)
        XCTAssertEqual(try x.conv2d(weight: k, bias: nil, stride: 1, padding: 1).dtype, .float32, "autocast ends with the region")
        XCTAssertThrowsError(try withAutocast(device: .cpu, dtype: .float16) { () }) {
            XCTAssertTrue("\($0)".contains("bfloat16 only"), "\($0)")
        }
    }
}
