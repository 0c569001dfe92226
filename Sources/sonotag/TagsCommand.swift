import ArgumentParser
import Foundation
import SonoData

struct TagsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "Coverage, cardinality and top values of a captured tag.",
        discussion: """
            Helps choose other tags as weak labels. TAG is a keyword (BodyPartExamined) or \
            (gggg,eeee). Only tags captured by `sonotag index` are available (see --capture-extra); \
            tags that identify the patient are never captured.

            --kinds reports the image kinds the crawl found instead (bmode, colour_flow, \
            spectral_doppler, m_mode, multi_view, secondary_capture, unknown): images, frames and \
            the evidence behind each kind.

            Example: sonotag tags --db cohort.sqlite ManufacturerModelName
                     sonotag tags --db cohort.sqlite --kinds
            """)

    @Option(name: .long, help: "The manifest written by `sonotag index`.")
    var db: String = "cohort.sqlite"

    @Option(name: .long, help: "How many of the most frequent values to print.")
    var top: Int = 10

    @Flag(name: .long, help: "Report image kinds (images, frames, evidence) instead of a tag.")
    var kinds = false

    @Argument(help: "A keyword or (gggg,eeee).")
    var tag: String?

    func validate() throws {
        if kinds, tag != nil { throw ValidationError("give TAG or --kinds, not both") }
        if !kinds, tag == nil { throw ValidationError("give TAG (a keyword or (gggg,eeee)) or --kinds") }
    }

    func run() throws {
        guard top >= 0 else { throw ValidationError("--top must be ≥ 0") }
        guard let tag else { return try reportKinds() }
        let raw: UInt32
        do { raw = try TagSelection.parseTag(tag) } catch { throw ValidationError("TAG: \(error)") }
        if TagSelection.isForbidden(raw) || TagSelection.isPersonName(raw) {
            throw ValidationError("TAG: \(TagSelection.displayName(raw)) identifies a person and is never captured")
        }
        let manifest = try ManifestDatabase(path: db)
        let stats = try manifest.tagStatistics(tag: TagSelection.key(raw), top: top)
        let name = TagSelection.displayName(raw)
        guard stats.captured else {
            print(
                "\(name) was not captured by the crawl; rerun `sonotag index DIR --db \(db) --capture-extra \(tag)` (re-reads every header)"
            )
            throw ExitCode(2)
        }
        print(
            "\(name): present in \(stats.present) of \(stats.files) readable files (\(String(format: "%.1f", stats.coverage * 100)) %), \(stats.distinctValues) distinct values"
        )
        for value in stats.topValues {
            print("  \(CrawlSummaryFormatter.pad(value.count)) \(value.value)")
        }
    }

    private func reportKinds() throws {
        let stats = try ManifestDatabase(path: db).kindStatistics()
        print("image kinds of \(stats.files) ok images (\(stats.frames) frames):")
        for entry in stats.entries {
            print(
                "  \(entry.kind.padding(toLength: 18, withPad: " ", startingAt: 0))\(CrawlSummaryFormatter.pad(entry.files)) images \(CrawlSummaryFormatter.pad(entry.frames)) frames"
            )
            for reason in entry.reasons.prefix(top) where !reason.value.isEmpty {
                print("      \(CrawlSummaryFormatter.pad(reason.count)) \(reason.value)")
            }
        }
        if stats.entries.contains(where: { $0.kind == "unclassified" }) {
            print("unclassified images were indexed before image kinds existed: rerun `sonotag index` on the archive")
        }
    }
}
