import ArgumentParser
import Foundation
import SonoData
import SonoParallel
import SonoTagCommands

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn PNG/JPEG ultrasound images and their metadata into a DICOM archive (US Image Storage).",
        discussion: """
            SOURCE is a CSV table or a folder of images.

            Table: one row per image; an image column (image, path or file; relative paths are \
            read from the table's folder), optionally pixel_spacing_mm (one value, or ROW\\COLUMN), \
            and any DICOM keyword as a column, spelt as the keyword or as its words \
            (TransducerData, "Transducer Data", study_description); `patient` is PatientID. Values \
            are checked against the keyword's VR and multiplicity; several values are separated \
            by a backslash. Empty cells take the flags' values below. A column that is none of these \
            is an error unless --ignore-column names it.

            Folder: every .png/.jpg/.jpeg below it, all with the flags' tags; --patient-from takes \
            the Patient ID from each file name. Without a patient column or --patient-from, every \
            image is its own patient (its file stem).

            Each image becomes OUT/<its relative path>.dcm: 8-bit MONOCHROME2 (RGB when its \
            channels differ), uncompressed, with a Sequence of Ultrasound Regions (one 2D tissue \
            region, cm) when a pixel spacing is given. Rows of a patient and study description form \
            one study, of one probe in it one series. A row that cannot be imported is counted and \
            named (file and row), and the others are written; patient identifiers are never printed. \
            A report of every row (no tag values) goes to --report.

            Examples:
              sonotag import busi.csv --out archive/busi --study-description "US BREAST" --transducer ML6-15-D
              sonotag import scans/ --out archive/nerve --transducer L14-6Ns --study-description "US NERVE BLOCK GUIDANCE" \\
                  --patient-from '^(P[0-9]+)_' --tag Manufacturer=Mindray --tag ManufacturerModelName=TE7
            """)

    @Argument(help: "A CSV table (one row per image) or a folder of PNG/JPEG images.")
    var source: String

    @Option(name: .long, help: "The DICOM folder to write (created if needed).")
    var out: String

    @Option(name: .long, help: "Transducer Data (0018,5010) for every image without its own, e.g. SL10-2.")
    var transducer: String?

    @Option(name: .long, help: "Study Description (0008,1030) for every image without its own, e.g. \"US BREAST\".")
    var studyDescription: String?

    @Option(name: .long, help: "Regular expression on the file name whose first group (or match) is the Patient ID.")
    var patientFrom: String?

    @Option(name: .long, help: "Pixel spacing in mm for every image without its own: writes the Sequence of Ultrasound Regions.")
    var pixelSpacing: Double?

    @Option(name: .long, help: "Any tag for every image without its own, as KEYWORD=VALUE (repeatable), e.g. Manufacturer=GE.")
    var tag: [String] = []

    @Option(name: .long, help: "A table column to skip (repeatable), e.g. split or class.")
    var ignoreColumn: [String] = []

    @Option(name: .long, help: "Where the per-row report goes (default: OUT.import.csv, beside the folder).")
    var report: String?

    @Option(name: .long, help: "Images converted in parallel (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let pixelSpacing, !(pixelSpacing > 0 && pixelSpacing.isFinite) {
            throw ValidationError("--pixel-spacing must be a positive number of millimetres, got \(pixelSpacing)")
        }
        for entry in tag where !entry.contains("=") {
            throw ValidationError("--tag must be KEYWORD=VALUE, got '\(entry)'")
        }
        if let patientFrom, (try? NSRegularExpression(pattern: patientFrom)) == nil {
            throw ValidationError("--patient-from: '\(patientFrom)' is not a regular expression")
        }
    }

    func run() throws {
        var defaults = ImportDefaults()
        for entry in tag {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            defaults.tags[parts[0].trimmingCharacters(in: .whitespaces)] = parts.count > 1 ? parts[1] : ""
        }
        if let transducer { defaults.tags["TransducerData"] = transducer }
        if let studyDescription { defaults.tags["StudyDescription"] = studyDescription }
        defaults.patientFrom = patientFrom
        defaults.pixelSpacingMM = pixelSpacing

        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isFolder) else {
            throw DataError("\(source): no such file or folder")
        }
        let start = Date()
        let rows: [ImportRow]
        let summary: ImportSummary
        do {
            for keyword in defaults.tags.keys where ImportTable.keyword(forHeader: keyword) != keyword {
                throw ImportError("--tag \(keyword)=…: '\(keyword)' is not a DICOM keyword (e.g. Manufacturer, BodyPartExamined)")
            }
            rows =
                isFolder.boolValue
                ? try ImportTable.rows(folder: source, defaults: defaults)
                : try ImportTable.rows(csv: source, defaults: defaults, ignoring: Set(ignoreColumn))
            summary = try ArchiveImporter.run(rows: rows, into: URL(fileURLWithPath: out), threads: threads ?? availableCores)
        } catch let error as ImportError {
            throw DataError(Self.flagged(error.message))
        }
        let outFolder = URL(fileURLWithPath: out).standardizedFileURL
        let reportPath = report ?? outFolder.path + ".import.csv"
        try ArchiveImporter.writeReport(summary, to: reportPath)

        let failed = summary.failed
        // Row problems name the file and row, never a tag value that could identify a patient.
        for outcome in failed.prefix(20) {
            FileHandle.standardError.write(
                Data("sonotag: import: \(outcome.origin) (\(outcome.source)): \(Self.flagged(outcome.problem ?? ""))\n".utf8))
        }
        if failed.count > 20 {
            FileHandle.standardError.write(Data("sonotag: import: … and \(failed.count - 20) more (see \(reportPath))\n".utf8))
        }
        print(
            String(
                format: "import: %d of %d images written to %@ (%d patients, %d studies, %d with ultrasound regions), %d failed, in %.1f s",
                summary.written, rows.count, out, summary.patients, summary.studies, summary.withRegions, failed.count,
                Date().timeIntervalSince(start)))
        print("  report: \(reportPath)")
        if summary.written == 0 { throw DataError("\(source): no image could be imported (see \(reportPath))") }
    }
}

extension ImportCommand {
    /// The importer names the patient pattern in words; here it is the option that set it.
    static func flagged(_ message: String) -> String {
        message.replacingOccurrences(of: "the patient pattern", with: "the --patient-from pattern")
    }
}
