import Foundation
import GRDB

/// What the crawl concluded about a file.
public enum FileStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// A readable image SonoTag can train on.
    case ok
    /// Valid DICOM that SonoTag does not train on (no pixel data, an unknown transfer syntax…).
    case unsupported
    /// Claims to be DICOM but cannot be read (truncated, malformed).
    case corrupt
    /// Not DICOM at all (no `DICM` marker and no plausible implicit-VR start), or empty.
    case notDICOM = "not_dicom"
}

/// An ultrasound region (0018,6011 item) with its box clamped to the image.
public struct StoredRegion: Codable, Sendable, Equatable {
    public var x0: Int
    public var y0: Int
    public var x1: Int
    public var y1: Int
    public var spatialFormat: Int?
    public var dataType: Int?
    public var unitsX: Int?
    public var unitsY: Int?
    public var deltaX: Double?
    public var deltaY: Double?
    /// True when the stored box reached outside the image and was clamped.
    public var clamped: Bool

    public init(
        x0: Int, y0: Int, x1: Int, y1: Int, spatialFormat: Int? = nil, dataType: Int? = nil,
        unitsX: Int? = nil, unitsY: Int? = nil, deltaX: Double? = nil, deltaY: Double? = nil,
        clamped: Bool = false
    ) {
        self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1
        self.spatialFormat = spatialFormat; self.dataType = dataType
        self.unitsX = unitsX; self.unitsY = unitsY; self.deltaX = deltaX; self.deltaY = deltaY
        self.clamped = clamped
    }
}

/// A half-open pixel box `[x0, x1) × [y0, y1)`.
public struct CropBox: Codable, Sendable, Equatable {
    public var x0: Int, y0: Int, x1: Int, y1: Int
    public init(x0: Int, y0: Int, x1: Int, y1: Int) { self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1 }
    public var width: Int { x1 - x0 }
    public var height: Int { y1 - y0 }
}

/// One row of the `files` table. Column names are the snake_case of the property names.
public struct FileRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "files"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    public var path: String
    public var size: Int64
    /// Modification time in nanoseconds since 1970, the resume key together with `size`.
    public var mtimeNs: Int64
    public var status: FileStatus
    /// A short category (`truncated`, `no_pixel_data`, `transfer_syntax`…) for counting.
    public var reason: String?
    /// The reader's message; never contains element values.
    public var detail: String?
    /// JSON array of warnings.
    public var warnings: String?
    public var sopClassUid: String?
    public var sopInstanceUid: String?
    public var studyInstanceUid: String?
    public var seriesInstanceUid: String?
    /// HMAC-SHA256 of the patient id under the manifest's salt; nil when the file has none.
    public var patientHash: String?
    public var modality: String?
    public var manufacturer: String?
    public var manufacturerModel: String?
    /// Transducer Data (0018,5010), values joined with `\`.
    public var transducerData: String?
    /// Transducer Type (0018,6031), top level, else the distinct values of the ultrasound
    /// regions in file order, joined with `\`.
    public var transducerType: String?
    public var studyDescription: String?
    public var seriesDescription: String?
    public var transferSyntax: String?
    public var photometric: String?
    public var rows: Int?
    public var columns: Int?
    public var frames: Int?
    public var samplesPerPixel: Int?
    public var bitsAllocated: Int?
    /// JSON array of `StoredRegion`.
    public var regions: String?
    /// The 2D tissue region used for cropping, when the file has one.
    public var cropX0: Int?
    public var cropY0: Int?
    public var cropX1: Int?
    public var cropY1: Int?
    /// Byte offset of the Pixel Data value (after its element header) and its length
    /// (nil length: undefined, i.e. encapsulated).
    public var pixelDataOffset: Int64?
    public var pixelDataLength: Int64?
    /// What the instance shows (`ImageKind`), decided by the crawl; nil in rows indexed before
    /// image kinds existed (the next `sonotag index` re-reads them).
    public var imageKind: ImageKind?
    /// Why the crawl chose `imageKind`, a short phrase (never an element value).
    public var kindReason: String?
    /// JSON object of captured tags keyed `GGGGEEEE`, values as strings or arrays of strings.
    public var tags: String?
    public var indexedAt: Double

    public init(path: String, size: Int64, mtimeNs: Int64, status: FileStatus) {
        self.path = path
        self.size = size
        self.mtimeNs = mtimeNs
        self.status = status
        self.indexedAt = Date().timeIntervalSince1970
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Columns written by the crawl, in `insertionValues` order. The crawl inserts with one
    /// prepared statement: Codable encoding (with key conversion) cost more than parsing the header.
    static let insertionColumns = [
        "path", "size", "mtime_ns", "status", "reason", "detail", "warnings", "sop_class_uid", "sop_instance_uid",
        "study_instance_uid", "series_instance_uid", "patient_hash", "modality", "manufacturer", "manufacturer_model",
        "transducer_data", "transducer_type", "study_description", "series_description", "transfer_syntax", "photometric",
        "rows", "columns", "frames", "samples_per_pixel", "bits_allocated", "regions", "crop_x0", "crop_y0", "crop_x1",
        "crop_y1", "pixel_data_offset", "pixel_data_length", "tags", "indexed_at", "image_kind", "kind_reason"
    ]

    var insertionValues: [DatabaseValueConvertible?] {
        [
            path, size, mtimeNs, status.rawValue, reason, detail, warnings, sopClassUid, sopInstanceUid,
            studyInstanceUid, seriesInstanceUid, patientHash, modality, manufacturer, manufacturerModel,
            transducerData, transducerType, studyDescription, seriesDescription, transferSyntax, photometric,
            rows, columns, frames, samplesPerPixel, bitsAllocated, regions, cropX0, cropY0, cropX1,
            cropY1, pixelDataOffset, pixelDataLength, tags, indexedAt, imageKind?.rawValue, kindReason
        ]
    }

    /// The tissue crop box, when all four coordinates are present.
    public var cropBox: CropBox? {
        guard let x0 = cropX0, let y0 = cropY0, let x1 = cropX1, let y1 = cropY1 else { return nil }
        return CropBox(x0: x0, y0: y0, x1: x1, y1: y1)
    }

    /// Decoded `regions` column.
    public var storedRegions: [StoredRegion] {
        guard let regions, let data = regions.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([StoredRegion].self, from: data)) ?? []
    }

    /// Decoded `warnings` column.
    public var warningList: [String] {
        guard let warnings, let data = warnings.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([String].self, from: data)) ?? []
    }

    /// Transducer Data values.
    public var transducers: [String] { Self.values(transducerData) }

    /// Transducer Type values.
    public var transducerTypes: [String] { Self.values(transducerType) }

    /// The values of a `\`-joined column.
    static func values(_ joined: String?) -> [String] {
        (joined ?? "").split(separator: "\\").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// One row of the `frames` table.
public struct FrameRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "frames"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
    public var fileId: Int64
    public var frameIndex: Int
    public var offset: Int64?
    public var length: Int64?
    public init(fileId: Int64, frameIndex: Int, offset: Int64?, length: Int64?) {
        self.fileId = fileId; self.frameIndex = frameIndex; self.offset = offset; self.length = length
    }
}

extension ImageKind: DatabaseValueConvertible {}
