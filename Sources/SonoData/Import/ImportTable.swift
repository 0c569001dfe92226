import DICOM
import Foundation
import SonoSupport

/// Why an import cannot start (a bad table, setting or folder), naming the file, row, column or setting.
/// Problems of single images are not errors of the import: they are counted per row
/// (`ImportOutcome`) and the other images are still written.
public struct ImportError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One image to import and the tag values of its row, before validation.
public struct ImportRow: Sendable, Equatable {
    /// Where the row came from, for messages: "FILE row N" (the header is row 1) or the file name.
    public var origin: String
    public var image: URL
    /// The image's path relative to the table's folder (or the images folder); the DICOM file
    /// takes the same relative path with `.dcm`.
    public var relativePath: String
    /// Keyword → cell text; empty cells are absent.
    public var cells: [String: String]
    /// Pixel spacing in millimetres (row, column), when the row or the defaults give one.
    public var pixelSpacingMM: (row: Double, column: Double)?

    public static func == (a: ImportRow, b: ImportRow) -> Bool {
        a.origin == b.origin && a.image == b.image && a.relativePath == b.relativePath && a.cells == b.cells
            && a.pixelSpacingMM?.row == b.pixelSpacingMM?.row && a.pixelSpacingMM?.column == b.pixelSpacingMM?.column
    }
}

/// What applies to every image unless its row says otherwise: the folder mode's only source of
/// tags, and defaults for a table's empty cells.
public struct ImportDefaults: Sendable {
    /// Keyword → value (e.g. "TransducerData" → "SL10-2", "StudyDescription" → "US BREAST").
    public var tags: [String: String] = [:]
    /// A regular expression matched against the image's file name (without folder); its first
    /// capture group (or the whole match) is the Patient ID. Without it and without a patient
    /// column, every image is its own patient (its file stem).
    public var patientFrom: String?
    public var pixelSpacingMM: Double?

    public init() {}
}

/// Reads what to import: a CSV table (one row per image) or a folder of PNG/JPEG images.
public enum ImportTable {
    /// Header spellings of the image column.
    static let imageColumns: Set<String> = ["image", "path", "file", "filename", "imagepath", "imagefile"]
    /// Header spellings of the pixel spacing in millimetres: one value (square pixels) or
    /// `ROW\COLUMN` as DICOM's Pixel Spacing writes it.
    static let spacingColumns: Set<String> = ["pixelspacing", "pixelspacingmm", "pixelsizemm", "pixelsize"]
    /// Header spellings of the patient that are not the keyword's own.
    static let patientColumns: Set<String> = ["patient", "patientid", "patient_id"]
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// A header cell as a comparable word: lower case, letters and digits only.
    static func normalized(_ header: String) -> String {
        String(header.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) })
    }

    /// The DICOM keyword a column header names: the keyword itself (`TransducerData`), or its
    /// words in any case with spaces, `_` or `-` (`Transducer Data`, `study_description`).
    public static func keyword(forHeader header: String) -> String? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        if DataDictionary.tag(forKeyword: trimmed) != nil { return trimmed }
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "_" || $0 == "-" })
        // Keywords capitalise each word and write the abbreviations ID and UID in capitals.
        let camel = words.map { word -> String in
            let lower = word.lowercased()
            if lower == "id" || lower == "uid" { return lower.uppercased() }
            return lower.prefix(1).uppercased() + lower.dropFirst()
        }.joined()
        if DataDictionary.tag(forKeyword: camel) != nil { return camel }
        return nil
    }

    /// Rows of a CSV table. Relative image paths are resolved against the table's folder.
    /// `ignoring` lists headers that are neither the image, the spacing nor a DICOM keyword and
    /// should be skipped (e.g. a `split` or `class` column); any other such header is an error.
    public static func rows(csv path: String, defaults: ImportDefaults, ignoring: Set<String> = []) throws -> [ImportRow] {
        let table: CSVTable
        do { table = try CSVTable.read(path: path) } catch {
            throw ImportError("\(path): cannot read the table: \(error)")
        }
        let ignored = Set(ignoring.map(normalized))
        var imageColumn: Int?, spacingColumn: Int?
        var keywordColumns: [(index: Int, keyword: String)] = []
        var unknown: [String] = []
        for (index, header) in table.header.enumerated() {
            let word = normalized(header)
            if word.isEmpty && header.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if ignored.contains(word) { continue }
            if imageColumns.contains(word) {
                guard imageColumn == nil else {
                    throw ImportError("\(path): two image columns ('\(table.header[imageColumn!])' and '\(header)')")
                }
                imageColumn = index
            } else if spacingColumns.contains(word) {
                spacingColumn = index
            } else if patientColumns.contains(word) || patientColumns.contains(header.lowercased()) {
                keywordColumns.append((index, "PatientID"))
            } else if let keyword = keyword(forHeader: header) {
                keywordColumns.append((index, keyword))
            } else {
                unknown.append(header)
            }
        }
        guard let imageColumn else {
            throw ImportError(
                "\(path): no image column (name one 'image', 'path' or 'file'); header: \(table.header.joined(separator: ", "))")
        }
        if !unknown.isEmpty {
            throw ImportError(
                "\(path): column\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", ")) \(unknown.count == 1 ? "is" : "are") neither a DICOM keyword (e.g. TransducerData, StudyDescription, PatientID) nor image/pixel_spacing_mm; fix the spelling or pass --ignore-column"
            )
        }
        let duplicates = Dictionary(grouping: keywordColumns, by: \.keyword).filter { $0.value.count > 1 }
        if let duplicate = duplicates.first {
            let (keyword, columns) = (duplicate.key, duplicate.value)
            throw ImportError(
                "\(path): columns \(columns.map { "'\(table.header[$0.index])'" }.joined(separator: " and ")) both set \(keyword)")
        }
        try ImportValues.checkWritable(keywords: keywordColumns.map { (keyword: $0.keyword, header: table.header[$0.index]) }, source: path)

        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var rows: [ImportRow] = []
        for (offset, record) in table.rows.enumerated() {
            let origin = "\(path) row \(offset + 2)"
            func cell(_ index: Int) -> String {
                index < record.count ? record[index].trimmingCharacters(in: .whitespaces) : ""
            }
            if record.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let imageText = cell(imageColumn)
            let image = imageText.hasPrefix("/") ? URL(fileURLWithPath: imageText) : folder.appendingPathComponent(imageText)
            let relative = imageText.hasPrefix("/") ? image.lastPathComponent : imageText
            var cells = defaults.tags
            for (index, keyword) in keywordColumns where !cell(index).isEmpty { cells[keyword] = cell(index) }
            var spacing = defaults.pixelSpacingMM.map { (row: $0, column: $0) }
            if let spacingColumn, !cell(spacingColumn).isEmpty {
                spacing = try? parseSpacing(cell(spacingColumn))
                if spacing == nil {
                    // Kept as a row problem: this image fails, the others are imported.
                    cells[ImportValues.badSpacingKey] = cell(spacingColumn)
                }
            }
            var row = ImportRow(origin: origin, image: image, relativePath: relative, cells: cells, pixelSpacingMM: spacing)
            if cells["PatientID"] == nil { row.cells["PatientID"] = try patientID(for: image, defaults: defaults) }
            if imageText.isEmpty { row.cells[ImportValues.missingImageKey] = "" }
            rows.append(row)
        }
        guard !rows.isEmpty else { throw ImportError("\(path): no rows below the header") }
        return rows
    }

    /// Every PNG/JPEG under `folder` (sorted by path), with the defaults' tags.
    public static func rows(folder: String, defaults: ImportDefaults) throws -> [ImportRow] {
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        try ImportValues.checkWritable(keywords: defaults.tags.keys.map { (keyword: $0, header: $0) }, source: "the command line")
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw ImportError("\(folder): cannot be read")
        }
        var relatives: [String] = []
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in walker where imageExtensions.contains(url.pathExtension.lowercased()) {
            let path = url.standardizedFileURL.path
            relatives.append(path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : url.lastPathComponent)
        }
        guard !relatives.isEmpty else { throw ImportError("\(folder): no .png, .jpg or .jpeg images") }
        return try relatives.sorted().map { relative in
            let image = root.appendingPathComponent(relative)
            var cells = defaults.tags
            if cells["PatientID"] == nil { cells["PatientID"] = try patientID(for: image, defaults: defaults) }
            return ImportRow(
                origin: relative, image: image, relativePath: relative, cells: cells,
                pixelSpacingMM: defaults.pixelSpacingMM.map { (row: $0, column: $0) })
        }
    }

    /// The patient pattern on the file name, or the file stem. A name the pattern does not match
    /// is a row problem (the row fails), never a silent shared patient.
    static func patientID(for image: URL, defaults: ImportDefaults) throws -> String {
        let name = image.lastPathComponent
        guard let pattern = defaults.patientFrom else { return image.deletingPathExtension().lastPathComponent }
        let regex: NSRegularExpression
        do { regex = try NSRegularExpression(pattern: pattern) } catch {
            throw ImportError("the patient pattern '\(pattern)' is not a regular expression")
        }
        let range = NSRange(name.startIndex..., in: name)
        guard let match = regex.firstMatch(in: name, range: range) else { return ImportValues.unmatchedPatient }
        let group = match.numberOfRanges > 1 && match.range(at: 1).location != NSNotFound ? match.range(at: 1) : match.range
        guard let found = Range(group, in: name), !name[found].isEmpty else { return ImportValues.unmatchedPatient }
        return String(name[found])
    }

    /// `0.15` (square pixels) or `0.15\0.2` (row, column), in millimetres.
    static func parseSpacing(_ text: String) throws -> (row: Double, column: Double) {
        let parts = text.split(separator: "\\").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 1 || parts.count == 2, let first = parts[0], let last = parts[parts.count - 1],
            first > 0, last > 0, first.isFinite, last.isFinite
        else { throw ImportError("pixel spacing '\(text)' is not one or two positive numbers of millimetres (ROW\\COLUMN)") }
        return (first, last)
    }
}
