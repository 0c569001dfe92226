import CTorch

/// Process-wide libtorch settings.
public enum TorchRuntime {
    /// The libtorch version the shim was compiled against, e.g. "1.13.0".
    public static var version: String { String(cString: ct_version()) }

    /// Seeds libtorch's CPU (and, when present, CUDA) generators.
    public static func manualSeed(_ seed: UInt64) throws {
        try check(ct_manual_seed(seed), "manual_seed(\(seed))")
    }

    /// Intra-op threads libtorch uses.
    public static var threadCount: Int {
        var n: Int32 = 1
        trapOnFailure(ct_get_num_threads(&n), "its intra-op thread count")
        return Int(n)
    }

    public static func setThreadCount(_ count: Int) throws {
        try check(ct_set_num_threads(Int32(clamping: count)), "set_num_threads(\(count))")
    }
}
