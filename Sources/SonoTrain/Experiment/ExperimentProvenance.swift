import Foundation
import SonoData
import SonoEval
import SonoSupport
import Torch

/// The report's opening section, "What was run": build and machine, the pretraining data (per
/// split and label group) and the downstream tasks, the recorded settings, and the time taken —
/// so a reader can judge the tables without the command line. Each part that cannot be read
/// (no run record, a manifest moved away) says so in the report instead of failing it: the
/// results below it are still worth having.
enum ExperimentProvenance {
    static func add(
        to report: inout HTMLReport, folder: URL, tasks: [ExperimentTaskSpec], rows: [ExperimentRow],
        layout: ExperimentLayout, now: Date = Date()
    ) {
        report.heading("What was run")
        let record: RunRecord?
        do { record = try RunRecord.read(from: folder) } catch {
            record = nil
            report.paragraph("The run record could not be read: \(error)")
        }
        let last = record?.sessions.last
        report.paragraph(buildAndMachine(last))

        report.heading("Pretraining data", level: 3)
        if let manifest = last?.data.manifest {
            addManifest(&report, path: manifest)
        } else {
            report.paragraph("No manifest is recorded for this experiment (\(RunRecord.fileName) absent or without data).")
        }

        report.heading("Downstream tasks", level: 3)
        report.table(
            header: ["task", "kind", "source", "test images scored"],
            rows: tasks.map { task in
                let scored = rows.compactMap { $0.results[task.name]?.images }.max()
                return [task.name, task.kind.rawValue, task.path, scored.map(String.init) ?? "—"]
            })

        report.heading("Settings", level: 3)
        var anySettings = false
        for lowData in [false, true] {
            let url = folder.appendingPathComponent(ExperimentFile.fileName(lowData: lowData))
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            anySettings = true
            report.paragraph("\(url.lastPathComponent) (the effective settings; `experiment --config` reads this file):")
            report.preformatted(text)
        }
        if !anySettings { report.paragraph("No settings file is recorded in this folder.") }

        report.heading("Time", level: 3)
        report.table(
            header: ["session", "command", "started", "finished", "wall time"],
            rows: timingRows(record?.sessions ?? [], now: now))
        let epochs = finetuneEpochSeconds(layout)
        if epochs.runs > 0 {
            report.paragraph(
                "Fine-tuning: \(epochs.runs) run(s), \(Format.fixed(epochs.seconds / 60, 1)) min in their training epochs (the rest of the wall time is pretraining, evaluation and the report)."
            )
        }
    }

    static func buildAndMachine(_ session: RunRecord.Session?) -> String {
        let host = HostDescription.current
        var text = "Machine: \(host.processor), \(host.cores) cores, \(host.memoryGiB) GiB memory."
        if let s = session {
            text = "SonoTag \(s.version) (commit \(s.commit)), libtorch \(s.libtorch), device \(s.device), \(s.threads) thread(s). " + text
        } else {
            text = "libtorch \(TorchRuntime.version) wrote this report; no run record names the build. " + text
        }
        return text
    }

    /// Patients and images per split, and per split the images of each weak-label group (an
    /// image may be in several groups, so the group columns need not add up to the images).
    static func addManifest(_ report: inout HTMLReport, path: String) {
        do {
            let manifest = try ManifestDatabase(path: path)
            let summary = try manifest.splitSummary()
            let labels = try? manifest.weakLabels()
            var header = ["split", "patients", "images"]
            if let labels { header += labels.groupNames }
            var table: [[String]] = []
            for split in SplitName.allCases where summary.patients[split] != nil || summary.images[split] != nil {
                var row = [split.rawValue, String(summary.patients[split] ?? 0), String(summary.images[split] ?? 0)]
                if let labels {
                    var counts = [Int](repeating: 0, count: labels.count)
                    for file in try manifest.files(in: split) {
                        guard let id = file.id, let vector = labels.vectors[id] else { continue }
                        for (group, value) in vector.enumerated() where value > 0 { counts[group] += 1 }
                    }
                    row += counts.map(String.init)
                }
                table.append(row)
            }
            let caption =
                labels.map { "Weak labels: mapping \($0.mappingHash.prefix(12)), \($0.count) groups." }
                ?? "The manifest holds no stored weak labels."
            report.table(header: header, rows: table, caption: "Manifest \(path). \(caption)")
        } catch {
            report.paragraph("The manifest \(path) could not be read for the data summary: \(error)")
        }
    }

    static func timingRows(_ sessions: [RunRecord.Session], now: Date) -> [[String]] {
        sessions.enumerated().map { index, s in
            let start = RunRecord.date(fromTimestamp: s.started)
            let end = s.finished.flatMap(RunRecord.date(fromTimestamp:))
            let wall = start.map { (end ?? now).timeIntervalSince($0) }
            let command = s.commandLine.dropFirst().prefix(2).joined(separator: " ")
            return [
                String(index + 1), command, s.started, s.finished ?? "\(s.status) at report time",
                wall.map { ProgressOutput.duration($0) } ?? "—"
            ]
        }
    }

    /// The summed epoch times of every fine-tuning run under the experiment's `finetune/`.
    static func finetuneEpochSeconds(_ layout: ExperimentLayout) -> (runs: Int, seconds: Double) {
        let root = layout.root.appendingPathComponent("finetune")
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return (0, 0) }
        var runs = 0, seconds = 0.0
        for case let relative as String in walker where (relative as NSString).lastPathComponent == "metrics.csv" {
            let entries = FinetuneMetricsLog.read(root.appendingPathComponent(relative))
            guard !entries.isEmpty else { continue }
            runs += 1
            seconds += entries.reduce(0) { $0 + $1.seconds }
        }
        return (runs, seconds)
    }
}

/// The machine a report was written on, from /proc where Linux has it.
struct HostDescription {
    var processor: String
    var cores: Int
    var memoryGiB: Int

    static var current: HostDescription {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            info.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown processor"
        return HostDescription(
            processor: model, cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryGiB: Int((Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824).rounded()))
    }
}
