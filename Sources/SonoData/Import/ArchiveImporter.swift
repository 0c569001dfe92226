import DICOM
import Foundation
import Imaging
import SonoParallel
import SonoSupport

/// What became of one row.
public struct ImportOutcome: Sendable, Equatable {
    public var origin: String
    public var source: String
    /// The DICOM file, relative to the output folder; nil when the row failed.
    public var output: String?
    /// Why the row failed (never holds a patient identifier).
    public var problem: String?
}

public struct ImportSummary: Sendable {
    public var outcomes: [ImportOutcome]
    public var written: Int { outcomes.filter { $0.output != nil }.count }
    public var failed: [ImportOutcome] { outcomes.filter { $0.problem != nil } }
    public var patients: Int
    public var studies: Int
    public var withRegions: Int
}

/// PNG/JPEG images plus their tags → US Image Storage files, one per image, written with the
/// same `UltrasoundImage` writer the tests hold against dciodvfy and pydicom.
///
/// Images whose channels are all equal (gray PNGs, and RGB screenshots of gray B-mode) are
/// written MONOCHROME2, others RGB; alpha is composited over black. Pixel data is native
/// (uncompressed) so the DICOM pixels are exactly the decoded source pixels. Rows of one patient
/// and study description share a Study Instance UID, and of one probe in it a series, as a
/// scanner's exam would (unless the table gives those UIDs). A row that fails (unreadable image,
/// bad value) is counted and reported; the others are still written.
public enum ArchiveImporter {
    public static func run(rows: [ImportRow], into out: URL, threads: Int = 1) throws -> ImportSummary {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // Grouping is decided first, in row order, so UIDs and instance numbers do not depend on
        // the threads' schedule.
        var studies: [String: String] = [:], series: [String: (uid: String, number: Int, count: Int)] = [:]
        var seriesPerStudy: [String: Int] = [:]
        var plans: [(study: String, series: String, instance: Int, output: String?)] = []
        var outputs: Set<String> = []
        for row in rows {
            let patient = row.cells["PatientID"] ?? ""
            let studyKey = [patient, row.cells["StudyDescription"] ?? "", row.cells["StudyDate"] ?? "", row.cells["AccessionNumber"] ?? ""]
                .joined(separator: "\u{0}")
            let study = row.cells["StudyInstanceUID"] ?? studies[studyKey] ?? UID.make()
            studies[studyKey] = study
            let seriesKey = studyKey + "\u{0}" + (row.cells["TransducerData"] ?? "") + "\u{0}" + (row.cells["SeriesDescription"] ?? "")
            var entry: (uid: String, number: Int, count: Int)
            if let known = series[seriesKey] {
                entry = known
            } else {
                seriesPerStudy[studyKey, default: 0] += 1
                entry = (uid: UID.make(), number: seriesPerStudy[studyKey]!, count: 0)
            }
            entry.count += 1
            series[seriesKey] = entry
            let output = (row.relativePath as NSString).deletingPathExtension + ".dcm"
            let unique = outputs.insert(output).inserted
            plans.append(
                (study: study, series: row.cells["SeriesInstanceUID"] ?? entry.uid, instance: entry.count, output: unique ? output : nil))
        }
        let seriesNumbers = Dictionary(series.values.map { ($0.uid, $0.number) }, uniquingKeysWith: { a, _ in a })

        let outcomes: [ImportOutcome] = try parallelMap(rows.count, threads: threads) { index in
            let row = rows[index], plan = plans[index]
            var outcome = ImportOutcome(origin: row.origin, source: row.image.path, output: nil, problem: nil)
            guard let output = plan.output else {
                outcome.problem =
                    "another image already becomes \((row.relativePath as NSString).deletingPathExtension).dcm (same name, other extension)"
                return outcome
            }
            do {
                var image = try ultrasoundImage(row)
                image.studyInstanceUID = plan.study
                image.seriesInstanceUID = plan.series
                image.seriesNumber = seriesNumbers[plan.series] ?? 1
                image.instanceNumber = plan.instance
                let url = out.appendingPathComponent(output)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try image.write(to: url)
                outcome.output = output
            } catch let error as ImportError {
                outcome.problem = error.message
            } catch let error as ImagingError {
                outcome.problem = "\(error)"
            } catch {
                outcome.problem = "\(error)"
            }
            return outcome
        }
        let written = zip(rows, outcomes).filter { $0.1.output != nil }.map { $0.0 }
        return ImportSummary(
            outcomes: outcomes,
            patients: Set(written.map { $0.cells["PatientID"] ?? "" }).count,
            studies: Set(zip(plans, outcomes).filter { $0.1.output != nil }.map { $0.0.study }).count,
            withRegions: written.filter { $0.pixelSpacingMM != nil }.count)
    }

    /// The row's image and tags as one US Image (without its study and series UIDs).
    static func ultrasoundImage(_ row: ImportRow) throws -> UltrasoundImage {
        if row.cells[ImportValues.missingImageKey] != nil { throw ImportError("the image cell is empty") }
        if let bad = row.cells[ImportValues.badSpacingKey] {
            throw ImportError("pixel spacing '\(bad)' is not one or two positive numbers of millimetres (ROW\\COLUMN)")
        }
        if row.cells["PatientID"] == ImportValues.unmatchedPatient {
            throw ImportError("the patient pattern does not match the file name \(row.image.lastPathComponent)")
        }
        var raster = try ImageFile.read(path: row.image.path)
        if raster.channels == 4 { raster = raster.rgb(over: .black) }
        let samples = raster.pixels
        var gray = raster.channels == 1
        if !gray {
            gray = true
            for i in stride(from: 0, to: samples.count, by: 3) where samples[i] != samples[i + 1] || samples[i] != samples[i + 2] {
                gray = false
                break
            }
        }
        var pixels = samples
        if raster.channels == 3 && gray {
            pixels = stride(from: 0, to: samples.count, by: 3).map { (i: Int) -> UInt8 in samples[i] }
        }
        var image = UltrasoundImage(rows: raster.height, columns: raster.width, samplesPerPixel: gray ? 1 : 3, frames: [pixels])
        image.manufacturer = ""
        for (keyword, text) in row.cells.sorted(by: { $0.key < $1.key }) where !keyword.hasPrefix("\u{1}") {
            do {
                image.extraElements.append(try ImportValues.element(keyword: keyword, text: text))
            } catch let error as ImportError {
                throw ImportError(
                    "column \(keyword): \(error.message.hasPrefix(keyword + ": ") ? String(error.message.dropFirst(keyword.count + 2)) : error.message)"
                )
            }
        }
        if let text = row.cells["TransducerData"] { image.transducerData = text.components(separatedBy: "\\") }
        if let spacing = row.pixelSpacingMM {
            // One 2D tissue region over the whole image, in centimetres as scanners write it:
            // what the crawl's crop and a reader's calipers use.
            let region = UltrasoundRegion(
                minX0: 0, minY0: 0, maxX1: raster.width - 1, maxY1: raster.height - 1,
                spatialFormat: 1, dataType: 1, flags: 0, physicalUnitsX: 3, physicalUnitsY: 3,
                physicalDeltaX: spacing.column / 10, physicalDeltaY: spacing.row / 10)
            image.regions = [region]
        }
        return image
    }

    /// One line per row: where it came from, the DICOM file or the problem. No tag values, so
    /// the report may be shared without exposing patient identifiers.
    public static func writeReport(_ summary: ImportSummary, to path: String) throws {
        var table = CSVTable(header: ["row", "source", "dicom", "status", "problem"])
        for outcome in summary.outcomes {
            table.append([
                outcome.origin, outcome.source, outcome.output ?? "", outcome.problem == nil ? "ok" : "failed", outcome.problem ?? ""
            ])
        }
        try table.write(to: path)
    }
}
