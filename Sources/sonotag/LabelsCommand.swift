import ArgumentParser
import Foundation
import SonoData
import SonoSupport

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
            soft tissue, nodule, drainage (a labels.yaml may add groups).

            Transducer Data is read value by value with vendor probe-name patterns (L12_5, 6C1 HD, \
            15L4, S5-1…); when none names a geometry, the Transducer Type (LINEAR, CURVED LINEAR, \
            SECTOR_PHASED…) decides.

            --suggest FILE writes a draft labels.yaml proposing groups for the unmapped \
            descriptions from keyword rules (anatomy and procedure words, abbreviations, several \
            languages), each with its image count and the rule that fired. It is marked as a draft \
            and refused by --labels until reviewed: SonoTag never applies a suggestion by itself.

            --export FILE.csv writes one row per labelled sample (frame): path, frame, kind, \
            transducer, transducer group, study description, groups, split.

            Example: sonotag labels --db cohort.sqlite --suggest draft.yaml --export labels.csv
            """)

    @Option(name: .long, help: "The manifest written by `sonotag index`.")
    var db: String = "cohort.sqlite"

    @Option(name: .long, help: "A labels.yaml mapping (extends the paper's by default).")
    var labels: String?

    @Flag(name: .long, help: "Add the phased-array transducer group (P4-2, 4V1c…).")
    var phased = false

    @Flag(name: .long, help: "Print the default mapping as labels.yaml and exit.")
    var printDefault = false

    @Option(name: .long, help: "Image kinds to label: \(ImageKind.vocabulary) (default: all).")
    var kinds: String = "all"

    @Option(name: .long, help: "Write a draft labels.yaml for the unmapped study descriptions (never overwrites).")
    var suggest: String?

    @Option(name: .long, help: "Write every labelled sample to this CSV file.")
    var export: String?

    func run() throws {
        if printDefault {
            print(LabelMapping.paperDefault(includePhased: phased).yaml)
            return
        }
        let selectedKinds: [ImageKind]
        do { selectedKinds = try ImageKind.parseList(kinds) } catch { throw ValidationError("--kinds: \(error)") }
        if let suggest, FileManager.default.fileExists(atPath: suggest) {
            throw ValidationError("--suggest: \(suggest) exists (perhaps already reviewed); choose another name or delete it")
        }
        let mapping = try LabelMapping.chosen(path: labels, includePhased: phased)
        let manifest = try ManifestDatabase(path: db)
        let report = try manifest.applyLabels(mapping, kinds: ImageKind.filter(selectedKinds))
        print(
            "label mapping \(report.mappingHash.prefix(12)) (\(labels ?? "paper default")): \(report.labelledFiles) ok images, K = \(report.groupNames.count)"
        )
        print(
            "image kinds \(ImageKind.listText(selectedKinds)): "
                + report.filesByKind.map { "\($0.value) \($0.count)" }.joined(separator: ", ")
                + (report.filesOfOtherKinds > 0 ? "; \(report.filesOfOtherKinds) images of other kinds not labelled" : ""))
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
        if let suggest {
            let suggestions = StudySuggestions.suggest(report.unmappedDescriptions, mapping: mapping)
            do {
                try AtomicFile.write(StudySuggestions.draftYAML(suggestions, mapping: mapping), to: URL(fileURLWithPath: suggest))
            } catch {
                throw ValidationError("--suggest: cannot write \(suggest): \(error.localizedDescription)")
            }
            let proposed = suggestions.filter { !$0.groups.isEmpty }.count
            print(
                "wrote draft \(suggest): \(suggestions.count) unmapped descriptions, \(proposed) with proposed groups; review it, delete its `draft: true` line, then pass --labels \(suggest)"
            )
        }
        if let export {
            let exported = try manifest.labelExport(mapping, kinds: ImageKind.filter(selectedKinds))
            let table = CSVTable(header: LabelExport.header, rows: exported.samples.map(\.fields))
            do { try table.write(to: export) } catch { throw ValidationError("--export: cannot write \(export): \(error)") }
            print("wrote \(export): \(exported.samples.count) samples, paths relative to \(exported.root.isEmpty ? "/" : exported.root)")
        }
    }
}
