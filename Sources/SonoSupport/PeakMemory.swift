import Foundation

#if os(Linux)
    private let selfUsage = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
    private let selfUsage = RUSAGE_SELF
#endif

/// The process's peak resident set so far, in MB (`getrusage`'s ru_maxrss, which Linux gives in
/// kB): what the benchmarks report beside the reference tool's own peak.
public func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(selfUsage, &usage)
    return Double(usage.ru_maxrss) / 1024
}
