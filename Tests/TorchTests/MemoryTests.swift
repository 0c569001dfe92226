import Foundation
import XCTest

@testable import Torch

final class MemoryTests: XCTestCase {
    /// Resident set size in bytes, from /proc/self/statm (Linux).
    private func residentBytes() throws -> Int {
        let text = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { throw XCTSkip("cannot parse /proc/self/statm") }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Each iteration makes ~1 MB of tensors (inputs, results, autograd state); a leak of any of
    /// them would grow RSS by gigabytes over 10,000 iterations.
    func testTenThousandCreateDropIterationsKeepRSSFlat() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/proc/self/statm"), "needs /proc")
        func iteration() throws {
            let a = try Tensor.ones([256, 256]).setRequiresGrad()
            let b = try (a * 2 + 1).relu().sum()
            try b.backward()
            _ = try Tensor([Float](repeating: 1, count: 4096), shape: [64, 64]).toArray(of: Float.self)
        }
        for _ in 0..<500 { try iteration() }  // warm up allocator caches
        let before = try residentBytes()
        for _ in 0..<10_000 { try iteration() }
        let growth = try residentBytes() - before
        XCTAssertLessThan(growth, 64 << 20, "RSS grew by \(growth >> 20) MB over 10,000 iterations")
    }
}
