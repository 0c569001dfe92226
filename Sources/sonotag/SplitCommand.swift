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
            later belong to no part until the split is run again.

            Example: sonotag split --db cohort.sqlite --val 0.2 --seed 7
            """)

    @Option(name: .long, help: "The manifest written by `sonotag index`.")
    var db: String = "cohort.sqlite"

    @Option(name: .long, help: "Share of patients for validation.")
    var val: Double = 0.2

    @Option(name: .long, help: "Share of patients for test.")
    var test: Double = 0

    @Option(name: .long, help: "Seed of the patient shuffle.")
    var seed: UInt64 = 0

    func validate() throws {
        guard val >= 0, val < 1 else { throw ValidationError("--val must be in [0, 1)") }
        guard test >= 0, test < 1 else { throw ValidationError("--test must be in [0, 1)") }
        guard val + test < 1 else { throw ValidationError("--val + --test must be below 1, leaving patients to train on") }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("--db: no manifest at \(db)") }
        let manifest = try ManifestDatabase(path: db)
        let summary = try manifest.assignSplit(try SplitSettings(valShare: val, testShare: test, seed: seed))
        for name in SplitName.allCases where summary.patients[name] != nil || name != .test {
            print("\(name.rawValue): \(summary.patients[name] ?? 0) patients, \(summary.images[name] ?? 0) images")
        }
    }
}
