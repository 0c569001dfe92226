import ArgumentParser
import Foundation
import SeededRandom
import SonoTagCommands
import SonoTrain
import Torch
import TorchNN

/// Trains a tiny conv net on synthetic images for a few Adam steps and prints the loss falling:
/// an end-to-end check of libtorch, autograd, the layers, the optimizer and checkpointing.
struct SmokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: TrainingCommand.smoke.rawValue,
        abstract: TrainingCommand.smoke.abstract,
        discussion: """
            Each synthetic 1×16×16 image holds a bright square in its left or right half; the net learns
            which. Useful to check that libtorch, autograd, Adam and safetensors checkpoints work here.
            """)

    @Option(help: "Adam steps to run.")
    var steps = 40

    @Option(help: "Images per batch.")
    var batchSize = 32

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Device: cpu, cuda or cuda:N.")
    var device = "cpu"

    @Option(help: "libtorch intra-op threads (default: every core this process may use, or OMP_NUM_THREADS).")
    var threads: Int?

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive, got \(steps)") }
        guard batchSize > 1 else { throw ValidationError("--batch-size must be at least 2, got \(batchSize)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        let device = try Device(parsing: device)
        try TorchRuntime.manualSeed(seed)
        try TrainingThreads.configure(requested: threads)
        print("libtorch \(TorchRuntime.version), device \(device), \(TorchRuntime.threadCount) threads")

        let net = Sequential(
            try Conv2d(1, 8, kernelSize: 3, padding: 1), try BatchNorm2d(8), ReLU(), MaxPool2d(kernelSize: 2),
            try Conv2d(8, 16, kernelSize: 3, padding: 1), try BatchNorm2d(16), ReLU(),
            AdaptiveAvgPool2d(outputSize: 1), Flatten(), try Linear(16, 1))
        try net.move(to: device)
        let optimizer = try Adam(parameters: net.namedParameters(), learningRate: 1e-2)

        var generator = SplitMix64(seed: seed)
        var first = 0.0
        var last = 0.0
        for step in 1...steps {
            let (images, labels) = try syntheticBatch(size: batchSize, device: device, using: &generator)
            try optimizer.zeroGrad()
            let loss = try net(images).binaryCrossEntropyWithLogits(target: labels)
            try loss.backward()
            try optimizer.step()
            last = try loss.item()
            if step == 1 { first = last }
            if step == 1 || step % 10 == 0 || step == steps {
                print(String(format: "step %3d  loss %.4f", step, last))
            }
        }

        // Checkpoint round trip: a reloaded copy must predict exactly like the trained net.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sonotag-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("smoke.safetensors")
        try net.save(to: checkpoint)
        let (images, labels) = try syntheticBatch(size: 256, device: device, using: &generator)
        net.eval()
        let logits = try withNoGrad { try net(images) }
        let accuracy = try logits.gt(0).to(dtype: .float32).eq(labels).to(dtype: .float32).mean().item()
        print(String(format: "held-out accuracy %.1f%%, checkpoint %d tensors", accuracy * 100, net.stateDict().count))
        guard last < first else {
            throw ValidationError(String(format: "loss did not fall (%.4f → %.4f)", first, last))
        }
        print(String(format: "loss fell from %.4f to %.4f", first, last))
    }

    /// Images with a bright 4×4 square at a random row, in the left (label 0) or right (label 1) half.
    private func syntheticBatch(size: Int, device: Device, using generator: inout SplitMix64) throws -> (Tensor, Tensor) {
        var pixels = [Float](repeating: 0, count: size * 16 * 16)
        var labels = [Float](repeating: 0, count: size)
        for i in 0..<size {
            let right = Bool.random(using: &generator)
            labels[i] = right ? 1 : 0
            let top = Int.random(in: 0...12, using: &generator)
            let left = (right ? 8 : 0) + Int.random(in: 0...4, using: &generator)
            for y in top..<(top + 4) {
                for x in left..<(left + 4) { pixels[i * 256 + y * 16 + x] = 1 }
            }
        }
        let noise = try Tensor.randn([size, 1, 16, 16]) * 0.1
        let images = try Tensor(pixels, shape: [size, 1, 16, 16]) + noise
        return (try images.to(device: device), try Tensor(labels, shape: [size, 1]).to(device: device))
    }
}
