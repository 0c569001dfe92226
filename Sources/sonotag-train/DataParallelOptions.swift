import ArgumentParser
import Foundation
import SonoTagCommands
import SonoTrain
import Torch

/// The data-parallel flags `pretrain` and `finetune` share, and what they do before training:
/// launch local workers (`--nproc-per-node`), or join the group the environment describes.
struct DataParallelOptions: ParsableArguments {
    @Option(
        name: .customLong("nproc-per-node"),
        help:
            "Train with N processes on this machine (data parallel, Gloo over loopback). Under torchrun or another launcher, leave it out: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT are read from the environment."
    )
    var nprocPerNode: Int?

    @Option(name: .long, help: "Port of rank 0's rendezvous store for --nproc-per-node (default: a free port).")
    var masterPort: Int?

    @Option(name: .long, help: "Seconds a collective waits for the other processes before failing (default 300).")
    var distTimeout: Double = 300

    @Option(
        name: .long,
        help: "c10d backend of the data-parallel group: auto (NCCL for CUDA ranks where this build has it, else Gloo), gloo or nccl.")
    var distBackend: String = "auto"

    func validate() throws {
        if let n = nprocPerNode {
            guard n >= 1 else { throw ValidationError("--nproc-per-node must be at least 1, got \(n)") }
            if let world = ProcessInfo.processInfo.environment["WORLD_SIZE"], ProcessInfo.processInfo.environment["RANK"] != nil {
                throw ValidationError(
                    "--nproc-per-node: the environment already describes a job (WORLD_SIZE=\(world)); use one or the other")
            }
        }
        if let p = masterPort, !(1...65535).contains(p) { throw ValidationError("--master-port \(p) is not a TCP port") }
        guard distTimeout > 0, distTimeout.isFinite else { throw ValidationError("--dist-timeout must be a positive number of seconds") }
        guard (["auto"] + DistributedBackend.allCases.map(\.rawValue)).contains(distBackend.lowercased()) else {
            throw ValidationError("--dist-backend '\(distBackend)' is not one of auto, gloo, nccl")
        }
    }

    /// With `--nproc-per-node N > 1`: runs the N workers to the end and returns true (this
    /// process only supervises). Otherwise returns false and the caller trains itself.
    func launchWorkersIfRequested() throws -> Bool {
        guard let n = nprocPerNode, n > 1 else { return false }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let arguments = LocalLauncher.removing(["--nproc-per-node", "--master-port"], from: Array(CommandLine.arguments.dropFirst()))
        var launcher = LocalLauncher(
            processCount: n, masterPort: masterPort, grace: distTimeout + 15, executable: executable,
            arguments: arguments)
        let own = try JSONEncoder().encode(Array(CommandLine.arguments.dropFirst()))
        launcher.extraEnvironment[ResumeCommand.launchArgumentsVariable] = String(decoding: own, as: UTF8.self)
        try launcher.run()
        return true
    }

    /// The job this process belongs to (nil: a single process) and its joined group, on the
    /// backend for `device` (the run's device as given; `cuda` means each rank's local GPU).
    func join(device: String) throws -> (environment: DistributedEnvironment?, group: ProcessGroup?) {
        guard let environment = try DistributedEnvironment.from() else { return (nil, nil) }
        let group = try environment.joinGroup(timeoutSeconds: distTimeout, requestedDevice: device, backend: distBackend)
        if let group, environment.rank == 0 {
            FileHandle.standardError.write(Data("data parallel: \(group.worldSize) processes, c10d \(group.backend.rawValue)\n".utf8))
        }
        return (environment, group)
    }

    /// Runs `body` as one rank of the job: errors are printed with the rank and end the process
    /// at once, so a failed rank never waits on collectives the others will not join.
    func runAsRank(_ environment: DistributedEnvironment?, _ body: () throws -> Void) throws {
        guard let environment, environment.worldSize > 1 else { return try body() }
        do { try body() } catch let stop as TrainingInterrupted {
            // Every rank stopped at the same step; rank 0 alone says how to resume.
            if environment.rank == 0 { throw stop }
            Foundation.exit(ExitStatus.interrupted.rawValue)
        } catch {
            let text = error is DistributedError ? "\(error)" : "rank \(environment.rank): \(error)"
            FileHandle.standardError.write(Data("Error: \(text)\n".utf8))
            Foundation.exit(EXIT_FAILURE)
        }
    }
}
