import ArgumentParser
import Foundation
import SonoData

struct LabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Apply the weak-label mapping and report what it covers.",
        discussion: """
            Maps Transducer Data to a transducer group and Study Description to study groups, stores \
            each image's label vector with the mapping's hash, prints images per group, and lists \
            every unmapped description and transducer with its count, so the mapping can be \
            extended in a labels.yaml. Without --labels the paper's mapping (Table A1) is used.

            Label vector order: transducer groups, then liver, kidney, thyroid, abdomen, chest, \
            soft tissue, nodule, drainage.
            """)

    @Option(name: .long, help: "The manifest written by `sonotag index`.")
    var db: String = "cohort.sqlite"

    @Option(name: .long, help: "A labels.yaml mapping (extends the paper's by default).")
    var labels: String?

    @Flag(name: .long, help: "Add the phased-array transducer group (P4-2, 4V1c…).")
    var phased = false

    @Flag(name: .long, help: "Print the default mapping as labels.yaml and exit.")
    var printDefault = false

    func run() throws {
        if printDefault {
            print(LabelMapping.paperDefault(includePhased: phased).yaml)
            return
        }
        let mapping = try LabelMapping.chosen(path: labels, includePhased: phased)
        let manifest = try ManifestDatabase(path: db)
        let report = try manifest.applyLabels(mapping)
        print("label mapping \(report.mappingHash.prefix(12)) (\(labels ?? "paper default")): \(report.labelledFiles) ok images, K = \(report.groupNames.count)")
        print("images per group (label order):")
        for (index, name) in report.groupNames.enumerated() {
            print("  \(index): \(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(report.groupCounts[index])")
        }
        print("no transducer group: \(report.filesWithoutTransducerGroup) images; no study group: \(report.filesWithoutStudyGroup) images")
        if !report.unmappedTransducers.isEmpty {
            print("unmapped transducers (\(report.unmappedTransducers.count)):")
            for entry in report.unmappedTransducers { print("  \(CrawlSummaryFormatter.pad(entry.count)) \(entry.value)") }
        }
        if !report.unmappedDescriptions.isEmpty {
            print("unmapped study descriptions (\(report.unmappedDescriptions.count)):")
            for entry in report.unmappedDescriptions { print("  \(CrawlSummaryFormatter.pad(entry.count)) \(entry.value)") }
        }
    }
}
