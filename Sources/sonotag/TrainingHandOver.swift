import ArgumentParser
import Foundation
import SonoTagCommands

#if canImport(Glibc)
    import Glibc
#endif

/// Hands a training command to `sonotag-train` by replacing this process (same pid, terminal,
/// signals and exit status), so `sonotag` itself never loads libtorch.
enum TrainingHandOver {
    /// The command line to hand over, if `arguments` (argv without argv[0]) names a training
    /// command directly or through `help`.
    static func handedOverArguments(_ arguments: [String]) -> [String]? {
        guard let first = arguments.first else { return nil }
        if TrainingCommand(rawValue: first) != nil { return arguments }
        if first == "help", arguments.count > 1, TrainingCommand(rawValue: arguments[1]) != nil { return arguments }
        return nil
    }

    /// `sonotag-train --version` (libtorch version, CUDA), or a line saying it is missing.
    static func execVersion() -> Never {
        guard case .success(let path) = TrainingTool().locate() else {
            print("\(TrainingTool.executableName): not found, so the libtorch version and CUDA are unknown")
            exit(0)
        }
        fflush(stdout)
        let argv = [strdup(path), strdup("--version"), nil]
        execv(path, argv)
        print("\(TrainingTool.executableName): cannot run \(path): \(String(cString: strerror(errno)))")
        exit(0)
    }

    static func exec(_ arguments: [String]) -> Never {
        let path: String
        switch TrainingTool().locate() {
        case .success(let found): path = found
        case .failure(let error):
            FileHandle.standardError.write(Data("sonotag: error: cannot run `\(arguments.first ?? "")`: \(error)\n".utf8))
            exit(127)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        let reason = String(cString: strerror(errno))
        FileHandle.standardError.write(Data("sonotag: error: cannot run \(path): \(reason)\n".utf8))
        exit(126)
    }
}

/// `sonotag`'s entry for a training command, so `sonotag --help` lists it. `SonoTag.main()` hands
/// these over before parsing; `run()` covers any path that reaches parsing anyway.
protocol HandedOverCommand: ParsableCommand {
    static var command: TrainingCommand { get }
    var arguments: [String] { get }
}

extension HandedOverCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: command.rawValue, abstract: command.abstract,
            discussion: "Runs in \(TrainingTool.executableName) (loads libtorch); `sonotag \(command.rawValue) --help` shows its options.")
    }

    func run() throws {
        TrainingHandOver.exec([Self.command.rawValue] + arguments)
    }
}

struct PretrainHandOver: HandedOverCommand {
    static let command = TrainingCommand.pretrain
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}

struct ExportHandOver: HandedOverCommand {
    static let command = TrainingCommand.export
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}

struct FeaturesHandOver: HandedOverCommand {
    static let command = TrainingCommand.features
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}

struct FinetuneHandOver: HandedOverCommand {
    static let command = TrainingCommand.finetune
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}

struct EvaluateHandOver: HandedOverCommand {
    static let command = TrainingCommand.evaluate
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}

struct ExperimentHandOver: HandedOverCommand {
    static let command = TrainingCommand.experiment
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}

struct SmokeHandOver: HandedOverCommand {
    static let command = TrainingCommand.smoke
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}
