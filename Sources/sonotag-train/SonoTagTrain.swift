import ArgumentParser
import Foundation
import SonoData
import SonoTagCommands
import SonoTrain
import Torch

/// The libtorch half of the command line. Users run these through `sonotag` (which hands over with
/// exec), so usage and errors name `sonotag`; calling `sonotag-train` directly works the same.
@main
struct SonoTagTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sonotag",
        abstract: "SonoTag's training commands (these load libtorch); run them as `sonotag <command>`.",
        subcommands: [
            PretrainCommand.self,
            ExportCommand.self,
            FeaturesCommand.self,
            FinetuneCommand.self,
            EvaluateCommand.self,
            ExperimentCommand.self,
            SmokeCommand.self
        ]
    )

    /// Version, commit, libtorch and CUDA, one per line.
    static func versionLines() -> [String] {
        let devices = Device.cudaDeviceCount
        return [
            BuildInfo.versionLine(tool: "sonotag-train"),
            "libtorch \(TorchRuntime.version)",
            devices > 0 ? "CUDA available: \(devices) device\(devices == 1 ? "" : "s")" : "CUDA not available (CPU only)"
        ]
    }

    /// Errors of the data go out as data errors (exit 65) in words; the parser's own (usage,
    /// help, explicit exit codes) keep its handling (README, "Exit codes").
    static func main() {
        AllocatorTuning.apply(environment: ProcessInfo.processInfo.environment)
        if Array(CommandLine.arguments.dropFirst()) == ["--version"] {
            for line in versionLines() { print(line) }
            return
        }
        do {
            var command = try parseAsRoot(NegativeValues.joined(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let stop as TrainingInterrupted {
            FileHandle.standardError.write(Data("\nsonotag: \(stop). To resume: \(ResumeCommand.line())\n".utf8))
            Foundation.exit(ExitStatus.interrupted.rawValue)
        } catch is WorkersInterrupted {
            // Rank 0 has said how to resume.
            Foundation.exit(ExitStatus.interrupted.rawValue)
        } catch {
            let status: ExitStatus?
            switch error {
            case is SonoDataError, is DownstreamDataError, is YAMLConfigError, is RunConfigError, is DataError, is ExperimentError:
                status = .dataError
            case let failure as FinetuneError:
                status = failure.isAboutTheInput ? .dataError : .runtimeFailure
            case is PretrainError, is TorchError:
                status = .runtimeFailure
            default:
                if let (message, fileStatus) = CommandFailure.fileErrorDescription(error) {
                    CommandFailure.exit(tool: "sonotag", message: message, status: fileStatus)
                }
                status = nil
            }
            if let status { CommandFailure.exit(tool: "sonotag", message: "\(error)", status: status) }
            exit(withError: error)
        }
    }
}
