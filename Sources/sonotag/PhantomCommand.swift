import ArgumentParser
import Foundation
import SonoPhantom
import SonoTagCommands

struct PhantomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phantom",
        abstract: "Generate a synthetic ultrasound archive (DICOM) with labelled downstream sets.",
        discussion: """
            Simulates B-mode exams (scatterers, point-spread function, attenuation, TGC, log
            compression, convex or linear probe geometry) for the paper's eight exam groups, and writes:
              DIR/dicom/<patient>/<study>/<series>/<instance>.dcm   US Image / US Multi-frame files
              DIR/instances.csv                                       true and written tags per file
              DIR/downstream/{liver_kidney,quality,thyroid}/          images/, masks/, labels.csv
              DIR/phantom.json                                        seed, options, counts
              DIR/preview.png                                         with --preview
            The same options and seed always give byte-identical files. All identities are invented.

            Example: sonotag phantom --out cohort --patients 40 --seed 7 --size 128x192 --preview
            """
    )

    @Option(name: .long, help: "Output folder (created if needed).")
    var out: String

    @Option(name: .long, help: "Number of simulated patients in the archive.")
    var patients: Int

    @Option(name: .long, help: "Random seed: same seed, same bytes.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Frame size HxW in pixels, e.g. 256x384.")
    var size: String = "256x384"

    @Option(name: .long, help: "Share of studies with a wrong or missing Study Description (0…1).")
    var descriptionNoise: Double = 0.05

    @Option(name: .long, help: "Share of series with wrong or missing Transducer Data (0…1).")
    var transducerNoise: Double = 0.05

    @Option(name: .long, help: "Share of series stored as a multi-frame cine loop (0…1).")
    var cineFraction: Double = 0.1

    @Option(
        name: .long,
        help: "Share of instances written as colour Doppler, B-mode above a Doppler strip, or a report page (0…1; default 0: B-mode only).")
    var otherKinds: Double?

    @Option(name: .long, help: "Images per series, as MIN-MAX or N.")
    var imagesPerSeries: String = "2-6"

    @Option(name: .long, help: "Patients per downstream set (0 skips the downstream sets).")
    var downstreamPatients: Int = 100

    @Option(name: .long, help: "Images per downstream patient.")
    var downstreamImages: Int = 4

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Write DIR/preview.png, a contact sheet of sample frames with their tags.")
    var preview = false

    @Flag(name: .long, help: "Print progress to standard error.")
    var progress = false

    func validate() throws {
        guard parseSize(size) != nil else { throw ValidationError("--size must look like 256x384 (rows x columns), got '\(size)'") }
        guard parseRange(imagesPerSeries) != nil else {
            throw ValidationError("--images-per-series must be N or MIN-MAX with 1 ≤ MIN ≤ MAX, got '\(imagesPerSeries)'")
        }
        guard patients >= 1 else { throw ValidationError("--patients must be at least 1, got \(patients)") }
        for (flag, share) in [
            ("--description-noise", descriptionNoise), ("--transducer-noise", transducerNoise), ("--cine-fraction", cineFraction),
            ("--other-kinds", otherKinds ?? 0)
        ] {
            guard share >= 0, share <= 1 else { throw ValidationError("\(flag) must be a fraction between 0 and 1, got \(share)") }
        }
        guard downstreamImages >= 1, downstreamImages <= 1000 else {
            throw ValidationError("--downstream-images must be 1…1000, got \(downstreamImages)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard downstreamPatients == 0 || downstreamPatients >= 3 else {
            throw ValidationError("--downstream-patients must be 0 or at least 3 (one per split), got \(downstreamPatients)")
        }
    }

    func run() throws {
        var options = PhantomOptions()
        options.patients = patients
        options.seed = seed
        if let (rows, columns) = parseSize(size) { options.rows = rows; options.columns = columns }
        options.studyDescriptionNoise = descriptionNoise
        options.transducerNoise = transducerNoise
        options.cineFraction = cineFraction
        options.otherKindsShare = otherKinds
        if let range = parseRange(imagesPerSeries) { options.imagesPerSeries = range }
        if downstreamPatients == 0 {
            options.downstream = nil
        } else {
            var d = DownstreamOptions()
            d.patients = downstreamPatients
            d.imagesPerPatient = downstreamImages
            options.downstream = d
        }
        options.threads = threads
        options.preview = preview
        do {
            try options.validate()
        } catch let error as PhantomError {
            throw ValidationError(error.description)
        }
        let start = Date()
        var report: PhantomGenerator.Progress? = nil
        if progress {
            report = { stage, done, total in
                if done == total || done % 100 == 0 {
                    FileHandle.standardError.write(Data("\(stage): \(done)/\(total)\n".utf8))
                }
            }
        }
        let summary = try PhantomGenerator.generate(options, into: URL(fileURLWithPath: out), progress: report)
        let seconds = Date().timeIntervalSince(start)
        let images = summary.counts.frames + summary.downstream.values.flatMap(\.values).reduce(0, +)
        print(
            "phantom: \(summary.counts.patients) patients, \(summary.counts.studies) studies, \(summary.counts.series) series, \(summary.counts.instances) files (\(summary.counts.frames) frames)"
        )
        if let screens = summary.instancesByScreen {
            print("  screens: " + ScreenKind.allCases.map { "\($0.rawValue) \(screens[$0.rawValue] ?? 0)" }.joined(separator: ", "))
        }
        for (task, splits) in summary.downstream.sorted(by: { $0.key < $1.key }) {
            print("  downstream \(task): " + splits.sorted(by: { $0.key > $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        print(String(format: "  %d images in %.2f s (%.1f images/s) -> %@", images, seconds, Double(images) / max(seconds, 1e-9), out))
    }

    /// `--size` as every command parses it, at most 4096 each way (a phantom frame).
    private func parseSize(_ text: String) -> (Int, Int)? {
        guard let size = try? ImageSize(parsing: text, .atLeast32), size.height <= 4096, size.width <= 4096 else { return nil }
        return (size.height, size.width)
    }

    private func parseRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-")
        guard let low = parts.first.flatMap({ Int($0) }) else { return nil }
        let high = parts.count == 2 ? Int(parts[1]) : (parts.count == 1 ? low : nil)
        guard let high, low >= 1, low <= high, high <= 1000 else { return nil }
        return low...high
    }
}
