import ArgumentParser

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
            SmokeCommand.self,
        ]
    )
}
