import ArgumentParser

@main
struct SonoTag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sonotag",
        abstract: "Pretrain ultrasound image encoders from a DICOM archive, with DICOM metadata as weak labels.",
        subcommands: [
            PhantomCommand.self,
            DICOMCommand.self,
            IndexCommand.self,
            LabelsCommand.self,
            TagsCommand.self,
            SplitCommand.self,
            CacheCommand.self,
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
