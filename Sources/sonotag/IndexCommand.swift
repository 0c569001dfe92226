import ArgumentParser
import Foundation
import SonoData
import SonoTagCommands

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Crawl a folder of DICOM files into a cohort manifest (SQLite).",
        discussion: """
            Reads only the headers, on all cores, following sub-folders; non-DICOM files are \
            recognised from their first bytes and skipped. Rerunning resumes: files whose size and \
            modification time did not change are not read again, and an interrupted crawl keeps \
            every batch it committed. Patient ids are stored only as keyed hashes (HMAC-SHA256); the \
            key lives in a key file, never in the manifest: --key FILE, by default \
            ~/.config/sonotag/patient-id.key, created (mode 0600) on first use. Keep it: indexing the \
            same archive with the same key gives the same hashes, hence the same seeded split. File \
            paths are stored relative to the folder first indexed (recorded once); later runs must \
            index that folder or one under it. No date or time tag is captured unless asked, \
            e.g. --capture-extra StudyDate.

            Example: sonotag index /archive/us --db cohort.sqlite
            """)

    @Argument(help: "The folder (or single file) to crawl.")
    var folder: String

    @Option(name: .long, help: "The manifest to create or update.")
    var db: String = "cohort.sqlite"

    @Option(name: .long, help: "The patient-id key file (created, mode 0600, when missing; default ~/.config/sonotag/patient-id.key).")
    var key: String?

    @Option(name: .long, help: "Header readers in parallel (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Files per committed transaction.")
    var batchSize: Int = 256

    @Option(
        name: .long, parsing: .upToNextOption,
        help: "Tags to capture instead of the default set: keywords or (gggg,eeee).")
    var capture: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Tags to capture in addition to the default set.")
    var captureExtra: [String] = []

    @Flag(name: .long, help: "Keep rows of files that disappeared from the folder.")
    var keepMissing = false

    @Flag(name: .long, help: "Plain progress lines even on a terminal.")
    var plain = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        var selection = TagSelection.default
        do {
            if !capture.isEmpty { selection = try TagSelection(specs: capture) }
            if !captureExtra.isEmpty { selection = try selection.adding(specs: captureExtra) }
        } catch {
            throw ValidationError("--capture: \(error)")
        }
        guard let keyPath = key ?? PatientKey.defaultPath() else {
            throw ValidationError("--key: no default key location (neither HOME nor XDG_CONFIG_HOME is set); pass --key FILE")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            throw DataError("\(folder): no such file or folder (the folder to index)")
        }
        if !capture.isEmpty { warnAboutLabelTagsLeftOut(selection) }
        let manifest = try ManifestDatabase(path: db, createIfMissing: true)
        let (patientKey, created) = try PatientKey.loadOrCreate(at: keyPath)
        if created {
            print(
                "patient-id key: created \(keyPath) (mode 0600). Keep it private and keep it: pass --key \(keyPath) to index this archive again with the same patient hashes and split."
            )
        }
        var options = CrawlOptions(batchSize: batchSize, capturedTags: selection, pruneMissing: !keepMissing)
        options.keyPath = keyPath
        if let threads { options.threads = threads }
        let printer = ProgressPrinter(interactive: plain ? false : nil)
        printer.startHeartbeat(label: "index")
        defer { printer.stopHeartbeat() }
        let again = (["sonotag"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        InterruptNotice.install(
            "\nsonotag: interrupted; the manifest \(db) is intact (every committed batch is kept). Run the same command again to continue:\n  \(again)\n"
        )
        let counts = try Crawler(manifest: manifest, key: patientKey, options: options).run(root: folder) { printer.report($0) }
        print(
            "indexed \(folder) into \(db): \(counts.found) files found, \(counts.added) new, \(counts.updated) changed, \(counts.unchanged) unchanged, \(counts.removed) removed"
        )
        let summary = try manifest.summary()
        print(CrawlSummaryFormatter.format(summary))
        let dicomFiles = summary.total - (summary.byStatus[.notDICOM] ?? 0)
        if dicomFiles == 0 {
            // Nothing to work on is a failure, not a success with zero rows.
            FileHandle.standardError.write(
                Data(
                    "sonotag: warning: no DICOM file found under \(folder) (\(counts.found) files looked at); the manifest \(db) has nothing to train on\n"
                        .utf8))
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
    }
}

extension IndexCommand {
    /// Tags of the default set whose values the weak labels are made of.
    static let labelTags: [UInt32] = [0x0018_5010, 0x0008_1030]

    /// `--capture` replaces the default set; one without the label tags still labels (the
    /// crawl keeps them in their own columns), but `sonotag tags` can no longer report on them,
    /// which reads as if the archive had none.
    func warnAboutLabelTagsLeftOut(_ selection: TagSelection) {
        let left = Self.labelTags.filter { !selection.tags.contains($0) }
        guard !left.isEmpty else { return }
        let names = left.map(TagSelection.displayName).joined(separator: " and ")
        FileHandle.standardError.write(
            Data(
                "sonotag: warning: --capture leaves out \(names), which the weak labels are read from; labels still use them, but `sonotag tags` cannot report on them (add them to --capture to keep them)\n"
                    .utf8))
    }
}

enum CrawlSummaryFormatter {
    static func format(_ summary: CrawlSummary) -> String {
        var lines: [String] = []
        let statuses = FileStatus.allCases.map { "\($0.rawValue) \(summary.byStatus[$0] ?? 0)" }.joined(separator: ", ")
        lines.append(
            "manifest: \(summary.total) files (\(statuses)); \(summary.patients) patients, \(summary.frames) frames in ok files, \(summary.warnings) files with warnings"
        )
        if !summary.byReason.isEmpty {
            lines.append("not used:")
            for entry in summary.byReason { lines.append("  \(pad(entry.count)) \(entry.value)") }
        }
        for (title, list) in [
            ("manufacturers", summary.topManufacturers), ("transfer syntaxes", summary.topTransferSyntaxes),
            ("transducers", summary.topTransducers), ("study descriptions", summary.topStudyDescriptions)
        ] {
            guard !list.isEmpty else { continue }
            lines.append("top \(title):")
            for entry in list { lines.append("  \(pad(entry.count)) \(entry.value)") }
        }
        return lines.joined(separator: "\n")
    }

    static func pad(_ n: Int) -> String {
        let text = String(n)
        return String(repeating: " ", count: max(0, 7 - text.count)) + text
    }
}

/// `sonotag cache`: the preprocessing pass (decode, crop, grayscale, resize, store), run ahead of
/// training, and a loader throughput check. Lives beside `index`, the pass it follows.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Preprocess a split's images into the memory-mapped cache (and time the loader).",
        discussion: """
            Decodes every selected frame once, crops it to the 2D tissue ultrasound region, converts \
            it to grayscale and resizes it (area averaging when shrinking) into shards beside the \
            manifest (cohort.sqlite → cohort.cache/<settings hash>/). Changing the size, frames, \
            crop or storage builds a new cache; normalisation is applied when reading.

            Example: sonotag cache --db cohort.sqlite --split train --benchmark-batches 50
            """)

    @Option(name: .long, help: "The manifest written by `sonotag index`.")
    var db: String = "cohort.sqlite"

    @Option(name: .long, help: "train, val, test, or all (every ok file, no split needed).")
    var split: String = "train"

    @Option(name: .long, help: ArgumentHelp("Output size HxW (default 256x384, the paper's).", valueName: "HxW"))
    var size: String = "256x384"

    // The old spelling, hidden for one release.
    @Option(name: .long, help: .hidden) var height: Int?
    @Option(name: .long, help: .hidden) var width: Int?

    /// --size, or the deprecated --height/--width over the default.
    func outputSize() throws -> ImageSize {
        var result: ImageSize
        do { result = try ImageSize(parsing: size, .positive) } catch { throw ValidationError("--size: \(error)") }
        if height != nil || width != nil {
            DeprecatedOption.warn("--height/--width", use: "--size HxW")
            result = ImageSize(height: height ?? result.height, width: width ?? result.width)
        }
        return result
    }

    @Option(name: .long, help: "Frames of multi-frame files: all, first, or a stride N (every Nth).")
    var frames: String = "all"

    @Option(name: .long, help: "Cached sample type: uint8 or float16.")
    var storage: String = "uint8"

    @Flag(name: .long, help: "Do not crop to the tissue region.")
    var noCrop = false

    @Option(name: .long, help: "Cache folder (default: beside the manifest).")
    var cacheDir: String?

    @Flag(name: .long, help: "One sample per 2D tissue region of an image with several (dual views), not the largest only.")
    var splitViews = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Resample every image to X mm per pixel (its region's Physical Delta X/Y in cm) and centre it in the output, cut or padded with black; images without a spacing in cm are resized plainly and counted.",
            valueName: "X"))
    var mmPerPixel: Double?

    @Option(name: .long, help: "Image kinds to cache: \(ImageKind.vocabulary) (default: bmode, as pretraining).")
    var kinds: String?

    @Option(name: .long, help: "After building, time this many loader batches (with augmentation).")
    var benchmarkBatches: Int = 0

    @Option(name: .long, help: "Batch size for --benchmark-batches.")
    var batchSize: Int = 32

    @Option(name: .long, help: "Intensity jitter for --benchmark-batches (0: off).")
    var jitter: Double = 0

    @Option(name: .long, help: "Loader worker threads (default: cores − 1).")
    var threads: Int?

    func parsedFrames() throws -> PreprocessSettings.FrameSelection {
        switch frames {
        case "all": return .all
        case "first": return .first
        default:
            guard let n = Int(frames), n >= 1 else { throw ValidationError("--frames must be all, first or a stride ≥ 1, not '\(frames)'") }
            return .stride(n)
        }
    }

    func run() throws {
        guard let storageKind = PreprocessSettings.Storage(rawValue: storage) else {
            throw ValidationError("--storage must be uint8 or float16")
        }
        let splitName: SplitName?
        if split == "all" {
            splitName = nil
        } else {
            guard let name = SplitName(rawValue: split) else { throw ValidationError("--split must be train, val, test or all") }
            splitName = name
        }
        guard batchSize >= 1, benchmarkBatches >= 0 else { throw ValidationError("--batch-size ≥ 1 and --benchmark-batches ≥ 0") }
        let size = try outputSize()
        if let mm = mmPerPixel, !(mm.isFinite && mm > 0 && mm <= 100) {
            throw ValidationError("--mm-per-pixel must be in (0, 100] millimetres, not \(mm)")
        }
        let settings: PreprocessSettings
        do {
            settings = try PreprocessSettings(
                height: size.height, width: size.width, frames: try parsedFrames(), cropToTissue: !noCrop, storage: storageKind,
                splitViews: splitViews, millimetresPerPixel: mmPerPixel)
        } catch let error as SonoDataError {
            throw ValidationError("\(error)")
        }
        let selectedKinds: [ImageKind]
        do { selectedKinds = try kinds.map { try ImageKind.parseList($0) } ?? ImageKind.pretrainingDefault } catch {
            throw ValidationError("--kinds: \(error)")
        }
        let manifest = try ManifestDatabase(path: db)
        let printer = ProgressPrinter(interactive: false)
        printer.startHeartbeat(label: "cache")
        defer { printer.stopHeartbeat() }
        let start = Date()
        let dataset = try CohortDataset(
            manifest: manifest, split: splitName, settings: settings, kinds: ImageKind.filter(selectedKinds),
            cacheRoot: cacheDir.map { URL(fileURLWithPath: $0) }
        ) { progress in
            printer.reportLine(
                "cache: \(progress.filesDone)/\(progress.filesTotal) files, \(progress.samplesWritten) samples written, \(progress.failures) failed"
            )
        }
        let elapsed = Date().timeIntervalSince(start)
        guard dataset.count > 0 else {
            // Nothing cached is a failure, not a success with 0 samples.
            let kindsText = kinds.map { "--kinds \($0)" } ?? "the default --kinds bmode"
            let place = splitName == nil ? "" : " in that split"
            throw DataError("--split \(split): 0 samples in \(db): no usable image of \(kindsText)\(place); nothing was cached")
        }
        print(
            "cache \(dataset.cache.directory.path): \(dataset.count) samples of \(size.height)×\(size.width) (\(split)), \(dataset.failedFiles.count) files failed, \(String(format: "%.1f", elapsed)) s"
        )
        print(dataset.kindSummary + (kinds == nil ? " (default --kinds bmode)" : ""))
        if let scale = dataset.scaleSummary { print(scale) }
        print(String(format: "stored values: mean %.2f, std %.2f", dataset.statistics.mean, dataset.statistics.std))
        for failure in dataset.failedFiles.prefix(10) { print("  failed: \(failure.path): \(failure.message)") }
        guard benchmarkBatches > 0, dataset.count > 0 else { return }
        let loader = BatchLoader(
            dataset: dataset, batchSize: batchSize, shuffle: true, seed: 0,
            augment: AugmentationSettings(intensityJitter: jitter),
            threads: threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount - 1))
        var images = 0, batches = 0, epoch = 0
        let loadStart = Date()
        outer: while true {
            for result in loader.epoch(epoch) {
                let batch = try result.get()
                images += batch.ids.count
                batches += 1
                if batches >= benchmarkBatches { break outer }
            }
            epoch += 1
        }
        let seconds = Date().timeIntervalSince(loadStart)
        // Training wraps these same arrays in tensors on the same worker threads (one copy each).
        print(
            String(
                format: "loader: %d batches, %d images in %.2f s: %.0f images/s (batch %d, augmentation on, %d threads)",
                batches, images, seconds, Double(images) / seconds, batchSize, loader.threads))
    }
}
