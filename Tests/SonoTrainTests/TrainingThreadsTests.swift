import Foundation
import Torch
import XCTest

@testable import SonoParallel
@testable import SonoTrain

final class TrainingThreadsTests: XCTestCase {
    /// coreutils `nproc` reads the same affinity mask (and OMP_NUM_THREADS, removed here).
    func testAvailableCoresMatchesNproc() throws {
        let nproc = Process()
        nproc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        nproc.arguments = ["nproc"]
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = nil
        environment["OMP_THREAD_LIMIT"] = nil
        nproc.environment = environment
        let pipe = Pipe()
        nproc.standardOutput = pipe
        try nproc.run()
        nproc.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(availableCores, Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    #if os(Linux)
        /// A process pinned to one core (taskset, a cpuset) must not size its pools to the machine.
        func testAvailableCoresFollowsTheAffinityMask() throws {
            let get = try XCTUnwrap(affinityCall("sched_getaffinity")), set = try XCTUnwrap(affinityCall("sched_setaffinity"))
            var saved = cpu_set_t()
            XCTAssertEqual(get(0, MemoryLayout<cpu_set_t>.size, &saved), 0)
            guard availableCores > 1 else { throw XCTSkip("one core only: nothing to restrict") }
            // The first core the process may use, alone.
            var one = cpu_set_t()
            withUnsafeBytes(of: &saved) { allowed in
                withUnsafeMutableBytes(of: &one) { mask in
                    guard let i = allowed.firstIndex(where: { $0 != 0 }) else { return }
                    mask[i] = allowed[i] & (~allowed[i] &+ 1)
                }
            }
            XCTAssertEqual(set(0, MemoryLayout<cpu_set_t>.size, &one), 0)
            defer { _ = set(0, MemoryLayout<cpu_set_t>.size, &saved) }
            XCTAssertEqual(availableCores, 1)
            XCTAssertEqual(try TrainingThreads.intraOp(requested: nil, environment: [:]).count, 1)
        }
    #endif

    func testPrecedenceFlagThenEnvironmentThenCores() throws {
        XCTAssertEqual(
            try TrainingThreads.intraOp(requested: 3, environment: ["OMP_NUM_THREADS": "5"], cores: 8),
            .init(count: 3, source: "as requested"))
        XCTAssertEqual(try TrainingThreads.intraOp(requested: nil, environment: ["OMP_NUM_THREADS": "5"], cores: 8).count, 5)
        XCTAssertEqual(try TrainingThreads.intraOp(requested: nil, environment: ["OMP_NUM_THREADS": "4,2"], cores: 8).count, 4)
        XCTAssertEqual(try TrainingThreads.intraOp(requested: nil, environment: ["OMP_NUM_THREADS": ""], cores: 8).count, 8)
        XCTAssertEqual(try TrainingThreads.intraOp(requested: nil, environment: [:], cores: 6).count, 6)
    }

    func testMalformedSettingsNameTheirSource() {
        for bad in ["0", "-2", "two", "3.5"] {
            XCTAssertThrowsError(try TrainingThreads.intraOp(requested: nil, environment: ["OMP_NUM_THREADS": bad], cores: 4)) {
                XCTAssertTrue("\($0)".contains("OMP_NUM_THREADS"), "\($0)")
            }
        }
        XCTAssertThrowsError(try TrainingThreads.intraOp(requested: 0, environment: [:], cores: 4)) {
            // The library names the setting; the commands name their --threads option.
            XCTAssertTrue("\($0)".contains("thread count must be at least 1, got 0") && !"\($0)".contains("--"), "\($0)")
        }
    }

    /// Debian's libtorch starts with one intra-op thread; configuring without a request must
    /// raise it to every available core.
    func testConfigureUsesEveryCoreByDefault() throws {
        let expected = try TrainingThreads.intraOp(requested: nil).count
        try TorchRuntime.setThreadCount(1)
        XCTAssertEqual(try TrainingThreads.configure(requested: nil).count, expected)
        XCTAssertEqual(TorchRuntime.threadCount, expected)
        try TrainingThreads.configure(requested: 1)
        XCTAssertEqual(TorchRuntime.threadCount, 1)
    }

    func testLoaderLeavesTheCoresToLibtorchOnTheCPU() {
        XCTAssertEqual(TrainingThreads.loaderWorkers(device: "cpu", cores: 16), 1)
        XCTAssertEqual(TrainingThreads.loaderWorkers(device: "cuda:0", cores: 16), 15)
    }
}
