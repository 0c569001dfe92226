import ArgumentParser
import Foundation
import SonoData

struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split the cohort by patient into train / val (/ test), seeded.",
        discussion: """
            Every image of a patient goes to the same part. The split is stored in the manifest and \
            replaces any earlier one; the same manifest and seed give the same split. Images indexed \
            later belong to no part until the split is run again. Indexing the same archive with the \
            same patient-id key (`index --key`) gives the same hashes, hence the same split.

            --export FILE writes the split (hashed patient keys and their part) and --import FILE \
            stores one, so a split moves between manifests of archives indexed with the same key.

            Examples:
              sonotag split --db cohort.sqlite --val 0.2 --seed 7
              sonotag split --db cohort.sqlite --export split.csv
              sonotag split --db other.sqlite --import split.csv
            """)

    @Option(name: .long, help: "The manifest written by `sonotag index`.")
    var db: String = "cohort.sqlite"

    @Option(name: .long, help: "Share of patients for validation.")
    var val: Double = 0.2

    @Option(name: .long, help: "Share of patients for test.")
    var test: Double = 0

    @Option(name: .long, help: "Seed of the patient shuffle.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Write the stored split to FILE (nothing is re-split).")
    var export: String?

    @Option(name: .long, help: "Replace the stored split with the one in FILE (from --export).")
    var `import`: String?

    func validate() throws {
        if export != nil, `import` != nil { throw ValidationError("--export and --import: give one of them") }
        guard val >= 0, val < 1 else { throw ValidationError("--val must be in [0, 1)") }
        guard test >= 0, test < 1 else { throw ValidationError("--test must be in [0, 1)") }
        guard val + test < 1 else { throw ValidationError("--val + --test must be below 1, leaving patients to train on") }
    }

    func run() throws {
        let manifest = try ManifestDatabase(path: db)
        if let export {
            let patients = try manifest.exportSplit(to: export)
            print("wrote the split of \(patients) patients to \(export) (split hash \(try manifest.splitHash() ?? "none"))")
            return
        }
        let summary: SplitSummary
        if let source = `import` {
            let imported = try manifest.importSplit(from: source)
            summary = imported.summary
            print("imported the split in \(source) (split hash \(try manifest.splitHash() ?? "none"))")
            if imported.patientsMissingFromFile > 0 {
                FileHandle.standardError.write(
                    Data(
                        "sonotag: warning: \(imported.patientsMissingFromFile) patients of \(db) are not in \(source) and belong to no part\n"
                            .utf8))
            }
            if imported.patientsNotInManifest > 0 {
                print("\(imported.patientsNotInManifest) patients of \(source) are not in \(db)")
            }
        } else {
            summary = try manifest.assignSplit(try SplitSettings(valShare: val, testShare: test, seed: seed))
        }
        for name in SplitName.allCases where summary.patients[name] != nil || name != .test {
            print("\(name.rawValue): \(summary.patients[name] ?? 0) patients, \(summary.images[name] ?? 0) images")
        }
        print("split hash \(try manifest.splitHash() ?? "none")")
    }
}
