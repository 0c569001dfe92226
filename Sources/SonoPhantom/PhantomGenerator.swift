import DICOM
import Foundation
import Imaging
import SonoParallel
import SonoSupport

/// What was generated: written to DIR/phantom.json. Holds no timing, so it is byte-identical
/// for a given seed and options.
public struct PhantomSummary: Codable, Sendable, Equatable {
    public struct Counts: Codable, Sendable, Equatable {
        public var patients = 0, studies = 0, series = 0, instances = 0, frames = 0, multiframeInstances = 0
        public var wrongStudyDescriptions = 0, missingStudyDescriptions = 0
        public var wrongTransducerData = 0, missingTransducerData = 0
    }
    public var generator = "sonotag phantom"
    public var formatVersion = 1
    public var seed: UInt64
    public var options: PhantomOptions
    /// UIDs are `2.25.<decimal UUID>` drawn from the seeded generator.
    public var uidRoot = UIDGenerator.root
    public var counts = Counts()
    public var instancesByEncoding: [String: Int] = [:]
    public var instancesByTransducer: [String: Int] = [:]
    public var instancesByView: [String: Int] = [:]
    public var instancesByStudyDescription: [String: Int] = [:]
    /// Instances per screen kind (only with `otherKindsShare`, so a default record is unchanged).
    public var instancesByScreen: [String: Int]? = nil
    /// task → split → images.
    public var downstream: [String: [String: Int]] = [:]
    public var layout: [String: String] = [
        "dicom": "dicom/<patient>/<study>/<series>/<instance>.dcm (folder names are ordinals, not identifiers)",
        "instances": "instances.csv: one row per file with the true and the written tags",
        "downstream": "downstream/{liver_kidney,quality,thyroid}/{images,masks}/*.png + labels.csv (split by patient)"
    ]
}

/// Generates a phantom cohort: the DICOM archive, the downstream sets, the manifest and an
/// optional preview sheet.
///
///     var options = PhantomOptions()
///     options.patients = 50
///     options.seed = 7
///     let summary = try PhantomGenerator.generate(options, into: URL(fileURLWithPath: "cohort"))
public enum PhantomGenerator {
    public typealias Progress = @Sendable (_ stage: String, _ done: Int, _ total: Int) -> Void

    @discardableResult
    public static func generate(_ options: PhantomOptions, into directory: URL, progress: Progress? = nil) throws -> PhantomSummary {
        try options.validate()
        let root = directory.path
        let threads = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
        // Worker count never changes the output, so it is not part of the record.
        var recorded = options
        recorded.threads = nil
        var summary = PhantomSummary(seed: options.seed, options: recorded)
        try makeDirectory(root)

        let patients = CohortPlanner.plan(options)
        var jobs: [(p: Int, s: Int, se: Int, i: Int)] = []
        for (p, patient) in patients.enumerated() {
            summary.counts.patients += 1
            for (s, study) in patient.studies.enumerated() {
                summary.counts.studies += 1
                if study.writtenDescription == nil {
                    summary.counts.missingStudyDescriptions += 1
                } else if study.writtenDescription != study.truth.description {
                    summary.counts.wrongStudyDescriptions += 1
                }
                for (se, series) in study.series.enumerated() {
                    summary.counts.series += 1
                    if series.writtenTransducer == nil {
                        summary.counts.missingTransducerData += 1
                    } else if series.writtenTransducer != series.transducer.rawValue {
                        summary.counts.wrongTransducerData += 1
                    }
                    for i in series.instances.indices { jobs.append((p, s, se, i)) }
                }
            }
        }

        var previewTiles: [(Raster, [String])] = []
        if options.writeArchive {
            let previewEvery = max(1, jobs.count / max(1, options.previewCount))
            let done = Counter()
            let outputs: [Raster?] = try parallelMap(jobs.count, threads: threads) { k in
                let job = jobs[k]
                let patient = patients[job.p], study = patient.studies[job.s], series = study.series[job.se]
                let instance = series.instances[job.i]
                let output = try InstanceEncoder.make(
                    patient: patient, study: study, series: series, instance: instance, jpegQuality: options.jpegQuality)
                let path = "\(root)/\(instance.relativePath)"
                try makeDirectory((path as NSString).deletingLastPathComponent)
                try write(output.bytes, to: path)
                progress?("dicom", done.increment(), jobs.count)
                return options.preview && k % previewEvery == 0 && k / previewEvery < options.previewCount ? output.screen : nil
            }
            let withScreens = options.otherKindsShare != nil
            if withScreens { summary.instancesByScreen = [:] }
            var rows = [InstanceTable.header + (withScreens ? ",screen" : "")]
            for (k, job) in jobs.enumerated() {
                let patient = patients[job.p], study = patient.studies[job.s], series = study.series[job.se]
                let instance = series.instances[job.i]
                summary.counts.instances += 1
                summary.counts.frames += instance.spec.frames
                if instance.spec.frames > 1 { summary.counts.multiframeInstances += 1 }
                summary.instancesByEncoding[instance.encoding.rawValue, default: 0] += 1
                summary.instancesByTransducer[series.transducer.rawValue, default: 0] += 1
                summary.instancesByView[instance.spec.kind.rawValue, default: 0] += 1
                summary.instancesByStudyDescription[study.truth.description, default: 0] += 1
                if withScreens { summary.instancesByScreen?[instance.screen.rawValue, default: 0] += 1 }
                rows.append(
                    InstanceTable.row(patient: patient, study: study, series: series, instance: instance)
                        + (withScreens ? "," + instance.screen.rawValue : ""))
                if let screen = outputs[k] {
                    previewTiles.append(
                        (
                            screen,
                            [
                                "TD: \(series.writtenTransducer ?? "(missing)")"
                                    + (series.writtenTransducer == series.transducer.rawValue
                                        ? "" : " [true \(series.transducer.rawValue)]"),
                                study.writtenDescription ?? "(no study description)",
                                "\(instance.spec.kind.rawValue) \(instance.encoding.rawValue)"
                                    + (instance.spec.frames > 1 ? " x\(instance.spec.frames)" : "")
                                    + (instance.screen == .bmode ? "" : " \(instance.screen.rawValue)")
                            ]
                        ))
                }
            }
            try write(Array((rows.joined(separator: "\n") + "\n").utf8), to: "\(root)/instances.csv")
        }

        var downstreamTiles: [(Raster, [String])] = []
        if let downstream = options.downstream {
            for task in PhantomDownstreamSet.allCases {
                let items = DownstreamPlanner.plan(task: task, options: options, downstream: downstream)
                let folder = "\(root)/downstream/\(task.rawValue)"
                for sub in task == .thyroid ? ["images", "masks"] : ["images", "masks", "masks_liver", "masks_kidney"] {
                    try makeDirectory("\(folder)/\(sub)")
                }
                let done = Counter()
                let written = try parallelMap(items.count, threads: threads) { k in
                    let result = try DownstreamWriter.write(items[k], root: "\(root)/downstream", keepPreview: options.preview && k < 2)
                    progress?(task.rawValue, done.increment(), items.count)
                    return result
                }
                try write(Array(DownstreamWriter.labelsCSV(written, task: task).utf8), to: "\(folder)/labels.csv")
                var perSplit: [String: Int] = [:]
                for w in written { perSplit[w.item.split, default: 0] += 1 }
                summary.downstream[task.rawValue] = perSplit
                for w in written {
                    if let p = w.preview {
                        downstreamTiles.append(
                            (p, ["\(task.rawValue) \(w.item.name)", w.item.score.map { "score \($0)" } ?? "", "split \(w.item.split)"]))
                    }
                }
            }
        }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try write(Array(try encoder.encode(summary)) + [0x0A], to: "\(root)/phantom.json")
        } catch let error as PhantomError {
            throw error
        } catch {
            throw PhantomError.io(path: "\(root)/phantom.json", reason: "\(error)")
        }
        if options.preview {
            let sheet = PreviewSheet.render(
                tiles: previewTiles + downstreamTiles, title: "SonoTag phantom  seed \(options.seed)  \(summary.counts.instances) files")
            do { try PNG.write(sheet, to: "\(root)/preview.png") } catch {
                throw PhantomError.io(path: "\(root)/preview.png", reason: "\(error)")
            }
        }
        return summary
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw PhantomError.io(path: path, reason: error.localizedDescription)
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw PhantomError.io(path: path, reason: error.localizedDescription)
        }
    }
}

/// Thread-safe counter for progress reports.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func increment() -> Int {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value
    }
}

/// instances.csv: the truth behind every file, for checking tag noise and content. No Patient ID
/// or name: patients appear by folder key only.
enum InstanceTable {
    static let header =
        "path,patient,study,series,instance,sop_class_uid,transfer_syntax_uid,encoding,frames,rows,columns,view,transducer_true,transducer_written,study_description_true,study_description_written,groups_true,needle,lesion,depth_mm"

    static func row(patient: PatientPlan, study: StudyPlan, series: SeriesPlan, instance: InstancePlan) -> String {
        let s = instance.spec
        let fields: [String] = [
            instance.relativePath, patient.folder, study.folder, series.folder, "\(instance.number)",
            s.frames > 1 ? UltrasoundImage.usMultiFrameImageStorage : UltrasoundImage.usImageStorage,
            instance.encoding.transferSyntaxUID, instance.encoding.rawValue, "\(s.frames)", "\(s.rows)", "\(s.columns)",
            s.kind.rawValue, series.transducer.rawValue, series.writtenTransducer ?? "",
            study.truth.description, study.writtenDescription ?? "",
            ExamGroup.allCases.filter { study.truth.groups.contains($0) }.map(\.name).joined(separator: ";"),
            s.needle ? "1" : "0", s.lesion ? "1" : "0", String(format: "%.0f", s.settings.depthMM)
        ]
        return fields.map(CSVTable.escaped).joined(separator: ",")
    }
}
