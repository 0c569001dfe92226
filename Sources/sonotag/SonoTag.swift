import ArgumentParser

@main
struct SonoTag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sonotag",
        abstract: "Pretrain ultrasound image encoders from a DICOM archive, with DICOM metadata as weak labels.",
        subcommands: [PhantomCommand.self, IndexCommand.self, LabelsCommand.self, SplitCommand.self, TagsCommand.self,
                      CacheCommand.self, PretrainCommand.self, ExportCommand.self, FeaturesCommand.self, SmokeCommand.self,
                      FinetuneCommand.self, EvaluateCommand.self, ExperimentCommand.self]
    )
}
