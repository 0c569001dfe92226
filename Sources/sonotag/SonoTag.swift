import ArgumentParser
import DICOM
import Foundation
import SonoData
import SonoPhantom
import SonoTagCommands

@main
struct SonoTag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sonotag",
        abstract: "Pretrain ultrasound image encoders from a DICOM archive, with DICOM metadata as weak labels.",
        subcommands: [
            PhantomCommand.self,
            DICOMCommand.self,
            ImportCommand.self,
            IndexCommand.self,
            LabelsCommand.self,
            TagsCommand.self,
            SplitCommand.self,
            CacheCommand.self,
            PretrainHandOver.self,
            ExportHandOver.self,
            FeaturesHandOver.self,
            FinetuneHandOver.self,
            EvaluateHandOver.self,
            ExperimentHandOver.self,
            SmokeHandOver.self
        ]
    )

    /// Training commands go to `sonotag-train` before any parsing, so their own options and help
    /// apply unchanged.
    static func main() {
        AllocatorTuning.apply(environment: ProcessInfo.processInfo.environment)
        if let arguments = TrainingHandOver.handedOverArguments(Array(CommandLine.arguments.dropFirst())) {
            TrainingHandOver.exec(arguments)
        }
        if Array(CommandLine.arguments.dropFirst()) == ["--version"] {
            // libtorch and CUDA are known only to the training tool: it adds its lines.
            print(BuildInfo.versionLine(tool: "sonotag"))
            TrainingHandOver.execVersion()
        }
        do {
            var command = try parseAsRoot(NegativeValues.joined(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch {
            // Errors of the data go out as data errors in words; the parser's own (usage, help,
            // explicit exit codes) keep its handling.
            switch error {
            case let failure as SonoDataError:
                if case .cache = failure {
                    CommandFailure.exit(tool: "sonotag", message: "\(failure)", status: .runtimeFailure)
                }
                CommandFailure.exit(tool: "sonotag", message: "\(failure)", status: .dataError)
            case is DICOMError, is DataError:
                CommandFailure.exit(tool: "sonotag", message: "\(error)", status: .dataError)
            case is PhantomError:
                CommandFailure.exit(tool: "sonotag", message: "\(error)", status: .runtimeFailure)
            default:
                if let (message, status) = CommandFailure.fileErrorDescription(error) {
                    CommandFailure.exit(tool: "sonotag", message: message, status: status)
                }
                exit(withError: error)
            }
        }
    }
}
