import Foundation
import Torch

/// Where this process stands in a data-parallel job, read torchrun-style from the environment
/// (`RANK`, `WORLD_SIZE`, `LOCAL_RANK`, `MASTER_ADDR`, `MASTER_PORT`) — what `torchrun`,
/// `--nproc-per-node` and cluster launchers such as SLURM wrappers set.
public struct DistributedEnvironment: Equatable, Sendable {
    public var rank: Int
    public var worldSize: Int
    public var localRank: Int
    public var masterAddress: String
    public var masterPort: Int

    public init(rank: Int, worldSize: Int, localRank: Int, masterAddress: String, masterPort: Int) {
        self.rank = rank
        self.worldSize = worldSize
        self.localRank = localRank
        self.masterAddress = masterAddress
        self.masterPort = masterPort
    }

    /// nil when `WORLD_SIZE` is unset (a plain single-process run); otherwise every variable must
    /// be present and sensible, and the error names the one that is not.
    public static func from(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DistributedEnvironment? {
        guard let worldText = environment["WORLD_SIZE"] else { return nil }
        func integer(_ name: String, _ text: String?, default value: Int? = nil) throws -> Int {
            guard let text else {
                if let value { return value }
                throw DistributedLaunchError.environment(variable: name, reason: "is not set (WORLD_SIZE is \(worldText))")
            }
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw DistributedLaunchError.environment(variable: name, reason: "'\(text)' is not an integer")
            }
            return n
        }
        let world = try integer("WORLD_SIZE", worldText)
        guard world >= 1 else { throw DistributedLaunchError.environment(variable: "WORLD_SIZE", reason: "\(world) must be at least 1") }
        let rank = try integer("RANK", environment["RANK"])
        guard (0..<world).contains(rank) else {
            throw DistributedLaunchError.environment(variable: "RANK", reason: "\(rank) is outside 0..<\(world) (WORLD_SIZE)")
        }
        let localRank = try integer("LOCAL_RANK", environment["LOCAL_RANK"], default: rank)
        guard localRank >= 0 else { throw DistributedLaunchError.environment(variable: "LOCAL_RANK", reason: "\(localRank) is negative") }
        let address = environment["MASTER_ADDR"] ?? (world == 1 ? "127.0.0.1" : "")
        guard !address.isEmpty else {
            throw DistributedLaunchError.environment(variable: "MASTER_ADDR", reason: "is not set (the address of rank 0's machine)")
        }
        let port = try integer("MASTER_PORT", environment["MASTER_PORT"], default: world == 1 ? 29500 : nil)
        guard (1...65535).contains(port) else {
            throw DistributedLaunchError.environment(variable: "MASTER_PORT", reason: "\(port) is not a TCP port")
        }
        return DistributedEnvironment(rank: rank, worldSize: world, localRank: localRank, masterAddress: address, masterPort: port)
    }

    /// The device this rank trains on: `cuda` without an index means this rank's local GPU.
    public func device(for requested: String) -> String {
        requested.lowercased() == "cuda" ? "cuda:\(localRank)" : requested
    }

    /// Joins the group (nil for a world of one: nothing to synchronise) on the backend for this
    /// rank's device (`requestedDevice` as the command was given it; see `backend(requested:for:)`).
    public func joinGroup(timeoutSeconds: Double, requestedDevice: String = "cpu", backend requested: String = "auto") throws
        -> ProcessGroup?
    {
        guard worldSize > 1 else { return nil }
        let device = try Device(parsing: device(for: requestedDevice))
        let backend = try Self.backend(requested: requested, for: device)
        var cudaDevice: Int?
        if case .cuda(let index) = device { cudaDevice = index }
        return try ProcessGroup(
            masterAddress: masterAddress, masterPort: masterPort, rank: rank, worldSize: worldSize,
            timeoutSeconds: timeoutSeconds, backend: backend, cudaDevice: cudaDevice)
    }

    /// `auto` is what torch.distributed users pick by hand: NCCL for ranks on CUDA where this
    /// build has it, Gloo otherwise (CPU, or a libtorch without NCCL, where Gloo still carries
    /// CUDA tensors through host copies). An explicit choice that cannot work is refused.
    public static func backend(requested: String, for device: Device) throws -> DistributedBackend {
        let onCUDA: Bool
        if case .cuda = device { onCUDA = true } else { onCUDA = false }
        switch requested.lowercased() {
        case "auto": return onCUDA && DistributedBackend.ncclAvailable ? .nccl : .gloo
        case "gloo": return .gloo
        case "nccl":
            guard onCUDA else {
                throw DistributedLaunchError.invalidSetting(
                    field: "--dist-backend", reason: "nccl needs --device cuda, this run is on \(device)")
            }
            guard DistributedBackend.ncclAvailable else {
                throw DistributedLaunchError.invalidSetting(
                    field: "--dist-backend",
                    reason: "nccl: this build's libtorch has no NCCL (build against a CUDA pip torch, README \"Engines\")")
            }
            return .nccl
        default:
            throw DistributedLaunchError.invalidSetting(field: "--dist-backend", reason: "'\(requested)' is not one of auto, gloo, nccl")
        }
    }
}

public enum DistributedLaunchError: Error, CustomStringConvertible, Equatable {
    case environment(variable: String, reason: String)
    /// A launcher setting that cannot be used, named in words ("process count").
    case invalidSetting(field: String, reason: String)
    case workerFailed(rank: Int, how: String, others: [Int])
    case cannotStart(reason: String)

    public var description: String {
        switch self {
        case .environment(let variable, let reason): return "environment variable \(variable) \(reason)"
        case .invalidSetting(let field, let reason): return "\(field): \(reason)"
        case .workerFailed(let rank, let how, let others):
            let rest = others.isEmpty ? "" : "; stopped rank(s) \(others.map(String.init).joined(separator: ", ")) that were still running"
            return "rank \(rank) \(how)\(rest)"
        case .cannotStart(let reason): return "cannot start the worker processes: \(reason)"
        }
    }
}

/// `--nproc-per-node N` on one machine: runs N copies of this executable with the same
/// arguments (minus the launcher's own flags) as ranks 0..<N over loopback, like
/// `torchrun --standalone --nproc-per-node N`. Their output goes to this process's stdout and
/// stderr. When one fails, the others get `grace` seconds to stop on their own (they notice the
/// lost peer and say which), then SIGTERM, then SIGKILL; the error names the first failed rank.
public struct LocalLauncher {
    public var processCount: Int
    public var masterPort: Int?
    public var grace: TimeInterval
    public var executable: URL
    public var arguments: [String]
    /// Variables set for the workers on top of this process's environment.
    public var extraEnvironment: [String: String] = [:]

    public init(processCount: Int, masterPort: Int?, grace: TimeInterval, executable: URL, arguments: [String]) {
        self.processCount = processCount
        self.masterPort = masterPort
        self.grace = grace
        self.executable = executable
        self.arguments = arguments
    }

    /// `arguments` without `flags` and their values (both `--flag V` and `--flag=V`).
    public static func removing(_ flags: Set<String>, from arguments: [String]) -> [String] {
        var result: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext { skipNext = false; continue }
            if flags.contains(argument) { skipNext = true; continue }
            if let eq = argument.firstIndex(of: "="), flags.contains(String(argument[..<eq])) { continue }
            result.append(argument)
        }
        return result
    }

    /// Runs the workers to the end. Throws `workerFailed` naming the first rank that failed.
    public func run() throws {
        guard processCount >= 1 else {
            throw DistributedLaunchError.invalidSetting(field: "process count", reason: "\(processCount) must be at least 1")
        }
        let port = try masterPort ?? ProcessGroup.freeLoopbackPort()
        var environment = ProcessInfo.processInfo.environment.merging(extraEnvironment) { $1 }
        environment["MASTER_ADDR"] = "127.0.0.1"
        environment["MASTER_PORT"] = "\(port)"
        environment["WORLD_SIZE"] = "\(processCount)"
        environment["LOCAL_WORLD_SIZE"] = "\(processCount)"
        var workers: [Process] = []
        for rank in 0..<processCount {
            let p = Process()
            p.executableURL = executable
            p.arguments = arguments
            environment["RANK"] = "\(rank)"
            environment["LOCAL_RANK"] = "\(rank)"
            p.environment = environment
            do { try p.run() } catch {
                workers.forEach { $0.terminate() }
                throw DistributedLaunchError.cannotStart(reason: "\(executable.path): \(error)")
            }
            workers.append(p)
        }
        // Ctrl-C reaches the workers from the terminal; a signal sent to this process alone is
        // passed on, so that each worker checkpoints at its next step.
        TrainingInterruption.install()
        var forwarded = false
        var firstFailure: (rank: Int, how: String)?
        var deadline: Date?
        while workers.contains(where: \.isRunning) {
            if !forwarded, TrainingInterruption.isRequestedHere {
                forwarded = true
                for p in workers where p.isRunning { kill(p.processIdentifier, SIGINT) }
            }
            // Stopped on request, every worker says so itself and exits 130: not a failure.
            if forwarded, workers.allSatisfy({ $0.isRunning || Self.wasInterrupted($0) }) {
                Thread.sleep(forTimeInterval: 0.05)
                continue
            }
            if firstFailure == nil, let rank = workers.firstIndex(where: { !$0.isRunning && !Self.succeeded($0) }) {
                firstFailure = (rank, Self.describeExit(workers[rank]))
                deadline = Date().addingTimeInterval(grace)
            }
            if let d = deadline, Date() > d { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        var stopped: [Int] = []
        for (rank, p) in workers.enumerated() where p.isRunning {
            stopped.append(rank)
            p.terminate()
        }
        let killAt = Date().addingTimeInterval(5)
        while workers.contains(where: \.isRunning) && Date() < killAt { Thread.sleep(forTimeInterval: 0.05) }
        for p in workers where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        workers.forEach { $0.waitUntilExit() }
        if forwarded, workers.allSatisfy(Self.wasInterrupted) { throw WorkersInterrupted() }
        if firstFailure == nil, let rank = workers.firstIndex(where: { !Self.succeeded($0) }) {
            firstFailure = (rank, Self.describeExit(workers[rank]))
        }
        if let firstFailure { throw DistributedLaunchError.workerFailed(rank: firstFailure.rank, how: firstFailure.how, others: stopped) }
    }

    private static func succeeded(_ p: Process) -> Bool { p.terminationReason == .exit && p.terminationStatus == 0 }

    /// Exited with the "interrupted" status after its checkpoint (128 + SIGINT, as `ExitStatus`).
    private static func wasInterrupted(_ p: Process) -> Bool { p.terminationReason == .exit && p.terminationStatus == 130 }

    private static func describeExit(_ p: Process) -> String {
        p.terminationReason == .uncaughtSignal
            ? "(pid \(p.processIdentifier)) was killed by signal \(p.terminationStatus)"
            : "(pid \(p.processIdentifier)) exited with status \(p.terminationStatus)"
    }
}

/// Every worker of a local launch stopped on request (each wrote its part and said how to resume).
public struct WorkersInterrupted: Error, CustomStringConvertible {
    public var description: String { "interrupted; every worker stopped at the same step after its checkpoint" }
}
