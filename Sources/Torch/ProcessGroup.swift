import CTorch
import Foundation

/// The c10d backend a group's collectives run on, as torch.distributed names them.
public enum DistributedBackend: String, CaseIterable, Sendable {
    /// CPU tensors, and CUDA tensors through host copies.
    case gloo
    /// CUDA tensors, GPU to GPU (host tensors go through the rank's GPU).
    case nccl

    /// Whether this build can make NCCL groups: a CUDA libtorch whose NCCL headers were found at
    /// build time (Package.swift).
    public static var ncclAvailable: Bool { ct_dist_nccl_available() }
}

/// A group of cooperating processes over PyTorch's c10d: a TCPStore hosted by rank 0 for the
/// rendezvous and a Gloo or NCCL process group for the collectives. The same group
/// torch.distributed builds with `init_process_group("gloo")` or `("nccl")`.
///
/// Collectives block until every member has made the same call. A member that dies makes the
/// others' pending collective fail (Gloo sees the connection drop) or time out after `timeout`;
/// the thrown `DistributedError.peerLost` then names the ranks whose heartbeat stopped.
public final class ProcessGroup: @unchecked Sendable {
    let handle: ct_process_group
    public let rank: Int
    public let worldSize: Int
    public let timeoutSeconds: Double
    public let backend: DistributedBackend

    /// Joins (rank 0: hosts) the group at `masterAddress:masterPort`; returns once all
    /// `worldSize` members have arrived, or throws after `timeoutSeconds`. NCCL needs the CUDA
    /// device this rank trains on.
    public init(
        masterAddress: String, masterPort: Int, rank: Int, worldSize: Int, timeoutSeconds: Double = 300,
        backend: DistributedBackend = .gloo, cudaDevice: Int? = nil
    ) throws {
        var out: ct_process_group?
        let where_ = "rank \(rank) of \(worldSize) at \(masterAddress):\(masterPort), \(backend.rawValue)"
        let milliseconds = Int64((timeoutSeconds * 1000).rounded())
        try check(
            ct_dist_init(
                masterAddress, Int32(clamping: masterPort), Int32(clamping: rank), Int32(clamping: worldSize),
                milliseconds, backend.rawValue, Int32(clamping: cudaDevice ?? -1), &out), "process group (\(where_))")
        guard let out else { throw TorchError(operation: "process group (\(where_))", message: "libtorch returned no group") }
        handle = out
        self.rank = rank
        self.worldSize = worldSize
        self.timeoutSeconds = timeoutSeconds
        self.backend = backend
    }

    deinit { ct_dist_free(handle) }

    /// Sums the tensors in place over the group (the mean when `average`), packed into buckets.
    public func allReduce(_ tensors: [Tensor], average: Bool = false) throws {
        try collective("all_reduce", tensors) { ct_dist_all_reduce(handle, $0, $1, average) }
    }

    /// Overwrites the tensors in place with `root`'s values (e.g. initial weights from rank 0).
    public func broadcast(_ tensors: [Tensor], from root: Int = 0) throws {
        try collective("broadcast", tensors) { ct_dist_broadcast(handle, $0, $1, Int32(clamping: root)) }
    }

    /// Returns when every member has called it.
    public func barrier() throws {
        try collective("barrier", []) { _, _ in ct_dist_barrier(handle) }
    }

    /// Batch norm over the whole group's batch (torch.nn.SyncBatchNorm's forward and backward).
    public func syncBatchNorm(
        _ input: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
        momentum: Double, eps: Double
    ) throws -> Tensor {
        var out: ct_tensor?
        let error = ct_sync_batch_norm(
            handle, input.handle, weight?.handle, bias?.handle, runningMean?.handle,
            runningVar?.handle, momentum, eps, &out)
        try throwIfFailed(error, "sync_batch_norm(\(input.shape))")
        guard let out else { throw TorchError(operation: "sync_batch_norm", message: "libtorch returned no tensor") }
        return Tensor(handle: out)
    }

    /// Turns a failed collective into `DistributedError.peerLost` when members have gone silent,
    /// and into `.collectiveFailed` otherwise. Checking costs a couple of heartbeat periods, only
    /// on failure.
    func throwIfFailed(_ error: ct_error?, _ operation: @autoclosure () -> String) throws {
        guard let error else { return }
        let message = String(cString: ct_error_message(error))
        ct_error_free(error)
        let silent = silentRanks()
        if !silent.isEmpty {
            throw DistributedError.peerLost(ranks: silent, rank: rank, operation: operation(), message: message)
        }
        throw DistributedError.collectiveFailed(rank: rank, operation: operation(), message: message)
    }

    /// Ranks whose heartbeat did not advance within two seconds (rank 0 when its store is gone).
    public func silentRanks(waitSeconds: Double = 2) -> [Int] {
        var ranks = [Int32](repeating: 0, count: worldSize)
        var count: Int32 = 0
        if let error = ct_dist_silent_ranks(handle, Int64(waitSeconds * 1000), &ranks, Int32(worldSize), &count) {
            ct_error_free(error)
            return []
        }
        return ranks.prefix(Int(count)).map(Int.init)
    }

    /// The group's mean of a few numbers (losses for logging), in one collective.
    public func mean(_ values: [Double]) throws -> [Double] {
        guard !values.isEmpty else { return [] }
        let t = try Tensor(values, shape: [values.count])
        try allReduce([t], average: true)
        return try t.toArray(of: Double.self)
    }

    /// The group's sum of a few numbers (validation sums), in one collective.
    public func sum(_ values: [Double]) throws -> [Double] {
        guard !values.isEmpty else { return [] }
        let t = try Tensor(values, shape: [values.count])
        try allReduce([t])
        return try t.toArray(of: Double.self)
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0), for
    /// groups on one machine.
    public static func freeLoopbackPort() throws -> Int {
        func fail(_ call: String) -> TorchError { TorchError(operation: "free loopback port", message: "\(call) failed: errno \(errno)") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw fail("socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw fail("bind") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw fail("getsockname") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func collective(_ name: String, _ tensors: [Tensor], _ call: (UnsafePointer<ct_tensor?>?, Int64) -> ct_error?) throws {
        let handles: [ct_tensor?] = tensors.map(\.handle)
        let error = handles.withUnsafeBufferPointer { call($0.baseAddress, Int64($0.count)) }
        try throwIfFailed(error, "\(name) of \(tensors.count) tensor(s)")
    }
}

/// How a collective failed, from the point of view of `rank`.
public enum DistributedError: Error, Equatable, CustomStringConvertible {
    /// Members stopped answering (killed, crashed, or their machine went away).
    case peerLost(ranks: [Int], rank: Int, operation: String, message: String)
    /// The collective failed or timed out while every member still looked alive.
    case collectiveFailed(rank: Int, operation: String, message: String)

    public var description: String {
        switch self {
        case .peerLost(let ranks, let rank, let operation, let message):
            let who = ranks.map(String.init).joined(separator: ", ")
            return
                "rank \(rank): \(ranks.count == 1 ? "rank" : "ranks") \(who) stopped responding (exited or killed) during \(operation); stopping (\(message))"
        case .collectiveFailed(let rank, let operation, let message):
            return "rank \(rank): \(operation) failed: \(message)"
        }
    }
}
