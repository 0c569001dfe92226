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
            PretrainHandOver.self,
            ExportHandOver.self,
            FeaturesHandOver.self,
            FinetuneHandOver.self,
            EvaluateHandOver.self,
            ExperimentHandOver.self,
            SmokeHandOver.self,
        ]
    )

    /// Training commands go to `sonotag-train` before any parsing, so their own options and help
    /// apply unchanged.
    static func main() {
        if let arguments = TrainingHandOver.handedOverArguments(Array(CommandLine.arguments.dropFirst())) {
            TrainingHandOver.exec(arguments)
        }
        main(nil)
    }
}
