import Foundation

/// The number of CPU cores this process may run on: its CPU affinity mask on Linux (what
/// `taskset`, cgroup cpusets and batch schedulers restrict), else every active core.
///
/// Sizing a thread pool to the machine's core count instead oversubscribes a process that was
/// pinned to a few cores, which is how shared training hosts and `taskset` runs are set up.
public var availableCores: Int {
    #if os(Linux)
        var mask = cpu_set_t()
        if let getAffinity = affinityCall("sched_getaffinity"), getAffinity(0, MemoryLayout<cpu_set_t>.size, &mask) == 0 {
            // CPU_COUNT is a C macro Swift cannot import: count the mask's bits.
            let count = withUnsafeBytes(of: &mask) { bytes in bytes.reduce(0) { $0 + $1.nonzeroBitCount } }
            if count > 0 { return count }
        }
    #endif
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
}

#if os(Linux)
    /// `sched_getaffinity` / `sched_setaffinity`, which Glibc declares only under _GNU_SOURCE, so
    /// Swift's Glibc module does not import them: looked up in the C library instead.
    typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32

    func affinityCall(_ name: String) -> AffinityCall? {
        dlsym(nil, name).map { unsafeBitCast($0, to: AffinityCall.self) }
    }
#endif
