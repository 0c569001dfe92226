import ArgumentParser
import Foundation
import SonoModels
import SonoSupport
import SonoTagCommands
import SonoTrain
import Torch
import TorchNN

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: TrainingCommand.features.rawValue,
        abstract: TrainingCommand.features.abstract,
        discussion: """
            C is 1 (gray, fed as three identical channels) or 3. The output is an N×D float32 .npy
            (D = 512 for VGG and ResNet-18, 2048 for ResNet-50), computed in evaluation mode: use it
            for embeddings, or to compare with torchvision given the same weights and input.
            --weights accepts a torchvision checkpoint converted to safetensors, an encoder written
            by `sonotag export`, or a `sonotag pretrain` checkpoint.
            """)

    @Option(name: .long, help: "Encoder weights (safetensors).")
    var weights: String

    @Option(name: .long, help: "Backbone: \(Backbone.allCases.map(\.rawValue).joined(separator: ", ")).")
    var backbone: Backbone

    @Option(name: .long, help: "Input .npy (float32, N×C×H×W).")
    var input: String

    @Option(name: .long, help: "Output .npy (float32, N×D).")
    var out: String

    @Option(name: .long, help: "Images per forward pass.")
    var batchSize = 16

    @Option(name: .long, help: "cpu or cuda[:n].")
    var device = "cpu"

    @Option(name: .long, help: "libtorch intra-op threads (default: every core this process may use, or OMP_NUM_THREADS).")
    var threads: Int?

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        let dev = try Device(parsing: device)
        try TrainingThreads.configure(requested: threads)
        let array = try NPYArray.read(from: URL(fileURLWithPath: input))
        guard array.shape.count == 4, [1, 3].contains(array.shape[1]), array.shape[0] >= 1, array.shape[2] >= 32, array.shape[3] >= 32
        else {
            throw ValidationError("--input \(input): expected N×C×H×W with C = 1 or 3 and H, W ≥ 32, got shape \(array.shape)")
        }
        let encoder = try makeFeatureExtractor(backbone)
        try EncoderWeights.load(URL(fileURLWithPath: weights), into: encoder)
        try encoder.move(to: dev)
        encoder.eval()
        let all = try Tensor(array.values, shape: array.shape)
        var rows: [Float] = []
        var start = 0
        while start < array.shape[0] {
            let n = min(batchSize, array.shape[0] - start)
            let batch = try all.narrowed(dim: 0, start: start, length: n).to(device: dev)
            rows += try withNoGrad { try encoder.pooledFeatures(batch) }.to(device: .cpu).toArray(of: Float.self)
            start += n
        }
        let result = try NPYArray(shape: [array.shape[0], backbone.featureChannels], values: rows)
        try result.write(to: URL(fileURLWithPath: out))
        print("wrote \(array.shape[0])×\(backbone.featureChannels) features to \(out)")
    }
}

extension Backbone: ExpressibleByArgument {}
