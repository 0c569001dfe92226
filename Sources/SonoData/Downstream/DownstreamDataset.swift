import Foundation
import SonoSupport

/// A labelled downstream set: images on disk plus, per image, mask files (segmentation) or a
/// label (classification) and an optional split.
///
/// Two layouts are understood:
///
/// **Folder.** `DIR/images/` holds `*.png`, `*.jpg`, `*.jpeg`. For segmentation, every image
/// `images/<stem>.<ext>` needs at least one mask in `DIR/masks/`:
/// `masks/<stem>.png` and/or `masks/<stem>_<anything>.png` (also `.jpg`/`.jpeg`). All mask files
/// of one image are merged by union into one binary mask, unless mask classes are given
/// (`maskClasses: ["liver", "kidney"]`), in which case `masks/<stem>_liver.png` becomes channel 0,
/// `masks/<stem>_kidney.png` channel 1 (a missing class file is an empty channel, but at least one
/// must exist). A mask pixel is foreground when any of its channels is above 127, so RGB and
/// 0/255 gray masks both work. An optional `DIR/labels.csv` gives labels and splits (see below).
///
/// **CSV.** A `.csv` file whose header names an image column (`image`, `path`, `file` or
/// `filename`), optionally a label column (`label`, `score`, `class`, `grade`, `level`,
/// `quality`, or any one named by `labelColumn`), a `split` column (`train`/`val`/`test`) and a
/// `mask` column (several paths separated by `;`, merged). With mask classes, columns
/// `<class>_mask` (or `mask_<class>`) give one channel each. Relative paths are resolved against
/// the CSV's folder (and, for the folder layout's labels.csv, also against `DIR/images/`). This is
/// the layout `sonotag phantom` writes for its downstream sets.
///
/// Labels: for ordinal tasks an integer 0…K−1; for multi-class any string; for multi-label
/// several names separated by `;` or `|`. Without a split column, images are split by a
/// seeded hash of their patient (a patient column, or a patient in the file names of a folder
/// without labels.csv: `FileNamePatients`), else of their stem (default 70/15/15 train/val/test).
public struct DownstreamDataset: Sendable {
    public var root: URL
    public var samples: [DownstreamSample]
    /// Names of the mask channels (segmentation) — `["foreground"]` when masks are merged.
    public var maskChannels: [String]
    /// Where the splits came from: the data's `split` column, its `patient` column (a seeded
    /// split of patients, so no patient straddles two splits), or the image file names.
    public var splitSource: SplitSource

    public enum SplitSource: String, Sendable, Codable {
        case column, patient
        case fileName = "file_name"
    }

    public init(root: URL, samples: [DownstreamSample], maskChannels: [String], splitSource: SplitSource = .fileName) {
        self.root = root
        self.samples = samples
        self.maskChannels = maskChannels
        self.splitSource = splitSource
    }

    public func samples(in split: SplitName) -> [DownstreamSample] {
        samples.filter { $0.split == split }
    }
}

public struct DownstreamSample: Sendable, Equatable {
    /// The image's file stem; unique within a dataset and used in per-image outputs.
    public var id: String
    public var imagePath: URL
    /// One entry per mask channel; `nil` where a class file is absent (empty channel).
    public var maskPaths: [[URL]]
    /// The raw label text (classification), as written in the CSV.
    public var label: String?
    /// The CSV and line the label was read from, for errors that name them.
    public var labelFile: String?
    public var labelLine: Int?
    public var split: SplitName

    /// The label with its origin; nil without a label.
    public var labelledValue: LabelledValue? {
        label.map { LabelledValue(image: id, label: $0, file: labelFile, line: labelLine) }
    }

    public init(id: String, imagePath: URL, maskPaths: [[URL]] = [], label: String? = nil, split: SplitName) {
        self.id = id
        self.imagePath = imagePath
        self.maskPaths = maskPaths
        self.label = label
        self.split = split
    }
}

public enum DownstreamTask: String, Sendable, Codable, CaseIterable {
    case segmentation, classification
}

/// Typed errors for bad data layouts; every case names the file or folder at fault.
public enum DownstreamDataError: Error, CustomStringConvertible, Equatable {
    case notFound(String)
    case emptyFolder(String)
    case missingMask(image: String, expected: String)
    case unreadableImage(String, reason: String)
    case sizeMismatch(image: String, imageSize: String, mask: String, maskSize: String)
    case missingColumn(csv: String, column: String, header: [String])
    case badRow(csv: String, line: Int, reason: String)
    case missingLabel(image: String)
    case badLabel(image: String, label: String, reason: String)
    case duplicateImage(String)
    case emptySplit(SplitName, dataset: String)

    public var description: String {
        switch self {
        case .notFound(let path): return "not found: \(path)"
        case .emptyFolder(let path): return "no images (.png, .jpg, .jpeg) in folder \(path)"
        case .missingMask(let image, let expected):
            return "no mask for image \(image): expected \(expected)"
        case .unreadableImage(let path, let reason): return "cannot read image \(path): \(reason)"
        case .sizeMismatch(let image, let imageSize, let mask, let maskSize):
            return "mask \(mask) is \(maskSize) but its image \(image) is \(imageSize)"
        case .missingColumn(let csv, let column, let header):
            return "\(csv): no \(column) column (header: \(header.joined(separator: ",")))"
        case .badRow(let csv, let line, let reason): return "\(csv) line \(line): \(reason)"
        case .missingLabel(let image): return "no label for image \(image)"
        case .badLabel(let image, let label, let reason): return "label '\(label)' of image \(image): \(reason)"
        case .duplicateImage(let id): return "two images share the stem '\(id)'; stems must be unique"
        case .emptySplit(let split, let dataset): return "\(dataset): the \(split.rawValue) split is empty"
        }
    }
}

/// How a dataset on disk is found; the defaults fit both the phantom's sets and HC18.
public struct DownstreamLayoutOptions: Sendable {
    public var task: DownstreamTask
    /// The label column for classification; `nil` picks `label`, else the only non-reserved column.
    public var labelColumn: String?
    /// Mask class suffixes; empty merges every mask file of an image into one channel.
    public var maskClasses: [String]
    /// Shares for the seeded split used when the data carries no split column.
    public var splitShares: (train: Double, val: Double)
    public var seed: UInt64

    public init(
        task: DownstreamTask, labelColumn: String? = nil, maskClasses: [String] = [],
        splitShares: (train: Double, val: Double) = (0.7, 0.15), seed: UInt64 = 0
    ) {
        self.task = task
        self.labelColumn = labelColumn
        self.maskClasses = maskClasses
        self.splitShares = splitShares
        self.seed = seed
    }
}

/// Image files a downstream set may hold (also how `experiment` recognises an image folder).
public let downstreamImageExtensions: Set<String> = ["png", "jpg", "jpeg"]
private let imageColumnNames = ["image", "path", "file", "filename", "image_path"]
private let reservedColumns: Set<String> = Set(imageColumnNames + ["split", "mask", "masks", "patient", "patient_id", "id"])
/// Label columns recognised without `--label-column`, in order of preference.
public let labelColumnNames = ["label", "score", "class", "grade", "level", "quality"]

extension DownstreamDataset {
    /// Finds a dataset at `path`: a folder (see the type's documentation) or a CSV file.
    public static func discover(at path: URL, options: DownstreamLayoutOptions) throws -> DownstreamDataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw DownstreamDataError.notFound(path.path)
        }
        if isDirectory.boolValue {
            return try discoverFolder(path, options: options)
        }
        return try discoverCSV(path, imagesFolder: nil, options: options)
    }

    private static func discoverFolder(_ root: URL, options: DownstreamLayoutOptions) throws -> DownstreamDataset {
        let imagesDir = root.appendingPathComponent("images")
        let labels = root.appendingPathComponent("labels.csv")
        let fm = FileManager.default
        let imageFiles = try listImages(in: fm.fileExists(atPath: imagesDir.path) ? imagesDir : root)
        if fm.fileExists(atPath: labels.path) {
            // labels.csv decides membership and splits; masks are still looked up by stem.
            var dataset = try discoverCSV(labels, imagesFolder: imagesDir, options: options)
            dataset.root = root
            if options.task == .segmentation {
                dataset.samples = try dataset.samples.map { sample in
                    var s = sample
                    if s.maskPaths.isEmpty {
                        s.maskPaths = try masks(for: s, in: root.appendingPathComponent("masks"), classes: options.maskClasses)
                    }
                    return s
                }
            }
            return dataset
        }
        if options.task == .classification {
            throw DownstreamDataError.notFound(labels.path + " (classification needs labels)")
        }
        var seen = Set<String>()
        var samples: [DownstreamSample] = []
        // Without labels.csv, a patient in the file names keeps each patient's images in one split.
        let patients = FileNamePatients.patients(of: imageFiles.map { $0.deletingPathExtension().lastPathComponent })
        for file in imageFiles {
            let id = file.deletingPathExtension().lastPathComponent
            guard seen.insert(id).inserted else { throw DownstreamDataError.duplicateImage(id) }
            let splitKey = patients?[id].map { "patient:" + $0 } ?? id
            var sample = DownstreamSample(id: id, imagePath: file, split: hashedSplit(splitKey, options: options))
            sample.maskPaths = try masks(for: sample, in: root.appendingPathComponent("masks"), classes: options.maskClasses)
            samples.append(sample)
        }
        return DownstreamDataset(
            root: root, samples: samples, maskChannels: options.maskClasses.isEmpty ? ["foreground"] : options.maskClasses,
            splitSource: patients == nil ? .fileName : .patient)
    }

    static func listImages(in folder: URL) throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw DownstreamDataError.notFound(folder.path)
        }
        let images = names.filter { downstreamImageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted()
            .map { folder.appendingPathComponent($0) }
        guard !images.isEmpty else { throw DownstreamDataError.emptyFolder(folder.path) }
        return images
    }

    /// Mask files for one image: `<stem>.<ext>` and `<stem>_*.<ext>` merged, or one per class.
    static func masks(for sample: DownstreamSample, in folder: URL, classes: [String]) throws -> [[URL]] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let stem = sample.id
        func isMask(_ name: String) -> Bool { downstreamImageExtensions.contains((name as NSString).pathExtension.lowercased()) }
        let candidates = names.filter(isMask).sorted()
        if classes.isEmpty {
            let found = candidates.filter {
                let base = ($0 as NSString).deletingPathExtension
                return base == stem || base.hasPrefix(stem + "_")
            }
            guard !found.isEmpty else {
                throw DownstreamDataError.missingMask(
                    image: sample.imagePath.path,
                    expected: folder.appendingPathComponent("\(stem).png").path + " or \(stem)_*.png")
            }
            return [found.map { folder.appendingPathComponent($0) }]
        }
        let perClass = classes.map { cls in
            candidates.filter { ($0 as NSString).deletingPathExtension == "\(stem)_\(cls)" }.map { folder.appendingPathComponent($0) }
        }
        guard perClass.contains(where: { !$0.isEmpty }) else {
            throw DownstreamDataError.missingMask(
                image: sample.imagePath.path,
                expected: folder.appendingPathComponent("\(stem)_{\(classes.joined(separator: ","))}.png").path)
        }
        return perClass
    }

    private static func discoverCSV(_ csv: URL, imagesFolder: URL?, options: DownstreamLayoutOptions) throws -> DownstreamDataset {
        let table = try CSVTable(contentsOf: csv)
        let lower = table.header.map { $0.lowercased() }
        guard let imageColumn = imageColumnNames.lazy.compactMap({ lower.firstIndex(of: $0) }).first else {
            throw DownstreamDataError.missingColumn(csv: csv.path, column: "image (or path/file/filename)", header: table.header)
        }
        let splitColumn = lower.firstIndex(of: "split")
        let patientColumn = lower.firstIndex(of: "patient") ?? lower.firstIndex(of: "patient_id")
        let maskColumn = lower.firstIndex(of: "mask") ?? lower.firstIndex(of: "masks")
        var labelColumn: Int?
        if options.task == .classification {
            if let name = options.labelColumn {
                guard let index = lower.firstIndex(of: name.lowercased()) else {
                    throw DownstreamDataError.missingColumn(csv: csv.path, column: name, header: table.header)
                }
                labelColumn = index
            } else if let index = labelColumnNames.lazy.compactMap({ lower.firstIndex(of: $0) }).first {
                labelColumn = index
            } else {
                let free = lower.indices.filter { !reservedColumns.contains(lower[$0]) }
                guard free.count == 1 else {
                    throw DownstreamDataError.missingColumn(csv: csv.path, column: "label (or pass --label-column)", header: table.header)
                }
                labelColumn = free[0]
            }
        }
        let base = csv.deletingLastPathComponent()
        var seen = Set<String>()
        var samples: [DownstreamSample] = []
        for (rowIndex, row) in table.rows.enumerated() {
            let line = rowIndex + 2
            let rawPath = row[imageColumn].trimmingCharacters(in: .whitespaces)
            guard !rawPath.isEmpty else { throw DownstreamDataError.badRow(csv: csv.path, line: line, reason: "empty image path") }
            let imagePath = resolve(rawPath, base: base, alternate: imagesFolder)
            guard FileManager.default.fileExists(atPath: imagePath.path) else {
                throw DownstreamDataError.badRow(csv: csv.path, line: line, reason: "image \(imagePath.path) does not exist")
            }
            let id = imagePath.deletingPathExtension().lastPathComponent
            guard seen.insert(id).inserted else { throw DownstreamDataError.duplicateImage(id) }
            // Without a split column, images of one patient go to one split together.
            let patient = patientColumn.map { row[$0].trimmingCharacters(in: .whitespaces) } ?? ""
            var split = hashedSplit(patient.isEmpty ? id : "patient:" + patient, options: options)
            if let splitColumn {
                let text = row[splitColumn]
                guard let parsed = SplitName(loose: text) else {
                    throw DownstreamDataError.badRow(csv: csv.path, line: line, reason: "split '\(text)' is not train/val/test")
                }
                split = parsed
            }
            var sample = DownstreamSample(id: id, imagePath: imagePath, split: split)
            if let labelColumn {
                let label = row[labelColumn].trimmingCharacters(in: .whitespaces)
                guard !label.isEmpty else {
                    throw DownstreamDataError.badRow(csv: csv.path, line: line, reason: "no label for image \(imagePath.path)")
                }
                sample.label = label
                sample.labelFile = csv.path
                sample.labelLine = line
            }
            if options.task == .segmentation {
                // One mask column (several paths separated by ";") merged, or one column per class
                // ("liver_mask" or "mask_liver") when mask classes are asked for.
                let columns: [Int?] =
                    options.maskClasses.isEmpty
                    ? [maskColumn]
                    : options.maskClasses.map { cls in
                        lower.firstIndex(of: "\(cls.lowercased())_mask") ?? lower.firstIndex(of: "mask_\(cls.lowercased())")
                    }
                var channels: [[URL]] = []
                for column in columns {
                    guard let column else { channels.append([]); continue }
                    let paths = row[column].split(separator: ";").map { String($0).trimmingCharacters(in: .whitespaces) }.filter {
                        !$0.isEmpty
                    }
                    let urls = paths.map {
                        resolve(
                            $0, base: base, alternate: imagesFolder.map { $0.deletingLastPathComponent().appendingPathComponent("masks") })
                    }
                    for url in urls where !FileManager.default.fileExists(atPath: url.path) {
                        throw DownstreamDataError.missingMask(image: imagePath.path, expected: url.path)
                    }
                    channels.append(urls)
                }
                if channels.contains(where: { !$0.isEmpty }) { sample.maskPaths = channels }
            }
            samples.append(sample)
        }
        guard !samples.isEmpty else { throw DownstreamDataError.emptyFolder(csv.path) }
        if options.task == .segmentation, imagesFolder == nil {
            // A standalone CSV must name its masks; there is no masks/ folder to search.
            for sample in samples where sample.maskPaths.isEmpty {
                throw DownstreamDataError.missingMask(image: sample.imagePath.path, expected: "a path in the CSV's mask column")
            }
        }
        let channels = options.task == .segmentation ? (options.maskClasses.isEmpty ? ["foreground"] : options.maskClasses) : []
        return DownstreamDataset(
            root: base, samples: samples, maskChannels: channels,
            splitSource: splitColumn != nil ? .column : patientColumn != nil ? .patient : .fileName)
    }

    private static func resolve(_ raw: String, base: URL, alternate: URL?) -> URL {
        if raw.hasPrefix("/") { return URL(fileURLWithPath: raw) }
        let direct = base.appendingPathComponent(raw)
        if FileManager.default.fileExists(atPath: direct.path) { return direct }
        if let alternate {
            let other = alternate.appendingPathComponent(raw)
            if FileManager.default.fileExists(atPath: other.path) { return other }
        }
        return direct
    }

    /// A stable split from the stem alone, so adding images never moves old ones between splits.
    static func hashedSplit(_ id: String, options: DownstreamLayoutOptions) -> SplitName {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ options.seed
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        // Mix so that close stems spread over the unit interval.
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        let u = Double(hash >> 11) / Double(1 << 53)
        if u < options.splitShares.train { return .train }
        if u < options.splitShares.train + options.splitShares.val { return .val }
        return .test
    }
}
