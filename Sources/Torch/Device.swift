import CTorch

/// Where a tensor's storage lives.
public enum Device: Hashable, Sendable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    /// True when libtorch was built with CUDA and at least one GPU is visible.
    public static var isCUDAAvailable: Bool { cudaDeviceCount > 0 }

    /// Number of visible CUDA devices (0 for a CPU-only libtorch such as Debian's).
    public static var cudaDeviceCount: Int {
        var count: Int32 = 0
        guard ct_cuda_device_count(&count) == nil else { return 0 }
        return Int(count)
    }

    /// The first GPU when one is available, else the CPU.
    public static var best: Device { isCUDAAvailable ? .cuda(0) : .cpu }

    /// Parses "cpu", "cuda" or "cuda:N"; throws for anything else or for a GPU that is not there.
    public init(parsing text: String) throws {
        let lower = text.lowercased()
        if lower == "cpu" {
            self = .cpu
            return
        }
        var index = 0
        if lower == "cuda" {
            index = 0
        } else if lower.hasPrefix("cuda:"), let n = Int(lower.dropFirst(5)), n >= 0 {
            index = n
        } else {
            throw TorchError(operation: "Device(\"\(text)\")", message: "expected cpu, cuda or cuda:N")
        }
        let count = Device.cudaDeviceCount
        guard index < count else {
            throw TorchError(
                operation: "Device(\"\(text)\")",
                message: count == 0
                    ? "CUDA was requested but this libtorch has no CUDA support or no GPU is visible (set LIBTORCH to a CUDA build)"
                    : "cuda:\(index) requested but only \(count) GPU(s) are visible")
        }
        self = .cuda(index)
    }

    var code: Int32 {
        switch self {
        case .cpu: return -1
        case .cuda(let index): return Int32(clamping: index)
        }
    }

    init(code: Int32) { self = code < 0 ? .cpu : .cuda(Int(code)) }

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let index): return "cuda:\(index)"
        }
    }
}
