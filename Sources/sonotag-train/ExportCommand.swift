import ArgumentParser
import Foundation
import SonoTagCommands
import SonoTrain

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: TrainingCommand.export.rawValue,
        abstract: TrainingCommand.export.abstract,
        discussion: """
            The file loads in PyTorch with, e.g.,
              from safetensors.torch import load_file
              torchvision.models.vgg16_bn().load_state_dict(load_file("encoder.safetensors"), strict=False)
            which reports only the classifier keys as missing.
            """)

    @Argument(help: "A run directory written by `sonotag pretrain`.")
    var runDirectory: String

    @Option(name: .long, help: "Output safetensors file.")
    var out: String

    @Option(name: .long, help: "Which checkpoint: best (lowest validation L_F) or last.")
    var checkpoint: Which = .best

    enum Which: String, ExpressibleByArgument, CaseIterable { case best, last }

    func run() throws {
        let layout = PretrainRunLayout(URL(fileURLWithPath: runDirectory))
        let source = checkpoint == .best ? layout.bestCheckpoint : layout.lastCheckpoint
        guard FileManager.default.fileExists(atPath: source.path) else {
            throw ValidationError(
                "\(runDirectory) has no \(checkpoint.rawValue) checkpoint (\(source.path)); is it a `sonotag pretrain` run directory?")
        }
        let backbone = try PretrainCheckpoint.exportEncoder(from: source, to: URL(fileURLWithPath: out))
        print("wrote \(backbone.rawValue) encoder (\(checkpoint.rawValue) checkpoint) to \(out)")
    }
}
