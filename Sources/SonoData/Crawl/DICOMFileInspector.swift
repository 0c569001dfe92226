import DICOM
import Foundation

/// The crawl's header reader: sniff the first bytes, parse the header only (stopping before
/// Pixel Data), and turn what it finds — or why it failed — into a manifest row.
struct DICOMFileInspector: FileInspecting {
    var capturedTags: TagSelection
    /// Keyed hashing of patient ids with the manifest's salt.
    var hasher: PatientHasher?

    func inspect(path: String, stamp: FileStamp) -> InspectedFile {
        var record = FileRecord(path: path, size: stamp.size, mtimeNs: stamp.mtimeNs, status: .ok)
        func fail(_ status: FileStatus, _ reason: String, _ detail: String? = nil) -> InspectedFile {
            record.status = status
            record.reason = reason
            record.detail = detail
            return InspectedFile(record: record, frames: [])
        }
        guard stamp.size > 0 else { return fail(.notDICOM, "empty_file") }
        let prefix: [UInt8]
        do {
            prefix = try DICOMSniffer.readPrefix(path)
        } catch {
            return fail(.corrupt, "unreadable", "cannot open the file")
        }
        if DICOMSniffer.classify(prefix, fileSize: stamp.size) == .notDICOM {
            return fail(.notDICOM, "no_dicom_marker")
        }
        let file: DICOMFile
        do {
            file = try DICOMFile(path: path, mode: .headerOnly)
        } catch let error as DICOMError {
            switch error {
            case .truncated: return fail(.corrupt, "truncated", error.description)
            case .unsupported: return fail(.unsupported, "unsupported", error.description)
            case .nestingTooDeep: return fail(.corrupt, "nesting_too_deep", error.description)
            case .io: return fail(.corrupt, "unreadable", error.description)
            default: return fail(.corrupt, "malformed", error.description)
            }
        } catch {
            return fail(.corrupt, "malformed", "\(error)")
        }
        return describe(file, size: stamp.size, record: record)
    }

    private func describe(_ file: DICOMFile, size: Int64, record initial: FileRecord) -> InspectedFile {
        var record = initial
        let ds = file.dataSet
        var warnings = file.warnings
        record.sopClassUid = file.sopClassUID
        record.sopInstanceUid = ds.string(.sopInstanceUID) ?? file.meta.string(.mediaStorageSOPInstanceUID)
        record.studyInstanceUid = ds.string(Tag(0x0020, 0x000D))
        record.seriesInstanceUid = ds.string(Tag(0x0020, 0x000E))
        record.patientHash = ds.string(.patientID).flatMap { hasher?.hash($0) }
        record.modality = ds.string(.modality)
        record.manufacturer = ds.string(.manufacturer)
        record.manufacturerModel = ds.string(Tag(0x0008, 0x1090))
        let transducers = file.transducerData
        record.transducerData = transducers.isEmpty ? nil : transducers.joined(separator: "\\")
        record.transducerType = file.transducerType
        record.studyDescription = file.studyDescription
        record.seriesDescription = ds.string(Tag(0x0008, 0x103E))
        record.transferSyntax = file.transferSyntax.uid
        record.photometric = ds.string(.photometricInterpretation)
        record.rows = ds.int(.rows)
        record.columns = ds.int(.columns)
        record.frames = file.hasPixelData ? file.numberOfFrames : ds.int(.numberOfFrames)
        record.samplesPerPixel = ds.int(.samplesPerPixel)
        record.bitsAllocated = ds.int(.bitsAllocated)
        record.tags = captureTags(ds)

        if let rows = record.rows, let columns = record.columns, rows > 0, columns > 0 {
            let regions = file.ultrasoundRegions
            if !regions.isEmpty {
                let stored = regions.map { region -> StoredRegion in
                    let box = region.clampedBox(rows: rows, columns: columns)
                    let x0 = min(region.minX0, region.maxX1), y0 = min(region.minY0, region.maxY1)
                    let x1 = max(region.minX0, region.maxX1) + 1, y1 = max(region.minY0, region.maxY1) + 1
                    let clamped = box.map { $0.x != x0 || $0.y != y0 || $0.x + $0.width != x1 || $0.y + $0.height != y1 } ?? true
                    return StoredRegion(
                        x0: box?.x ?? 0, y0: box?.y ?? 0, x1: box.map { $0.x + $0.width } ?? 0, y1: box.map { $0.y + $0.height } ?? 0,
                        spatialFormat: region.spatialFormat, dataType: region.dataType,
                        unitsX: region.physicalUnitsX, unitsY: region.physicalUnitsY,
                        deltaX: region.physicalDeltaX, deltaY: region.physicalDeltaY, clamped: clamped)
                }
                record.regions = Self.json(stored)
                if stored.contains(where: \.clamped) { warnings.append("ultrasound region outside the image, clamped") }
                if let tissue = file.tissueRegion()?.box {
                    record.cropX0 = tissue.x
                    record.cropY0 = tissue.y
                    record.cropX1 = tissue.x + tissue.width
                    record.cropY1 = tissue.y + tissue.height
                }
            }
        }

        var frames: [(Int64?, Int64?)] = []
        func finish(_ status: FileStatus, _ reason: String? = nil, _ detail: String? = nil) -> InspectedFile {
            record.status = status
            record.reason = reason
            record.detail = detail
            record.warnings = warnings.isEmpty ? nil : Self.json(warnings)
            return InspectedFile(record: record, frames: status == .ok ? frames : [])
        }
        if file.isTruncated { return finish(.corrupt, "truncated", "the file ends inside an element") }
        guard let pixels = file.pixelDataReference else {
            // An image whose pixels are missing was cut short (at an element boundary, so the
            // parser saw a clean end); anything else simply is not an image.
            if record.rows != nil || record.columns != nil || Self.imageClasses.contains(record.sopClassUid ?? "") {
                return finish(.corrupt, "missing_pixel_data", "image attributes but no Pixel Data (truncated?)")
            }
            return finish(.unsupported, "no_pixel_data")
        }
        record.pixelDataOffset = Int64(pixels.offset)
        record.pixelDataLength = pixels.length.map(Int64.init)
        let syntax = file.transferSyntax
        guard syntax.isKnown else { return finish(.unsupported, "transfer_syntax", "unknown transfer syntax \(syntax.uid)") }
        let description: PixelDescription
        do {
            description = try PixelDescription(ds, transferSyntax: syntax)
        } catch let error as DICOMError {
            if case .unsupported = error { return finish(.unsupported, "pixel_format", error.description) }
            return finish(.corrupt, "pixel_description", error.description)
        } catch {
            return finish(.corrupt, "pixel_description", "\(error)")
        }
        let frameCount = max(1, description.numberOfFrames)
        record.frames = frameCount
        if pixels.length != nil {
            // Native: the DICOM module checks that every frame's bytes are in the file (a
            // truncated file parses fine header-only, so this is where truncation shows).
            do {
                _ = try file.frameCount()
            } catch {
                return finish(.corrupt, "truncated_pixel_data", "\(error)")
            }
            let samples = description.isYBR422 && description.samplesPerPixel == 3 ? 2 : description.samplesPerPixel
            let frameBytes = description.rows * description.columns * samples * description.bitsAllocated / 8
            frames = (0..<frameCount).map { index in
                description.bitsAllocated % 8 == 0 ? (Int64(pixels.offset + index * frameBytes), Int64(frameBytes)) : (nil, nil)
            }
        } else {
            // Encapsulated: a complete stream ends with a sequence delimiter; only when it does
            // not, walk the fragments to tell truncation from trailing elements.
            let tail = DICOMSniffer.readTail(file.path ?? "", size: size)
            if tail != [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0] {
                do {
                    let located = try file.frameCount()
                    if located < frameCount { return finish(.corrupt, "truncated_pixel_data", "\(located) of \(frameCount) frames present") }
                } catch {
                    return finish(.corrupt, "truncated_pixel_data", "\(error)")
                }
            }
            frames = Array(repeating: (nil, nil), count: frameCount)
        }
        return finish(.ok)
    }

    /// Stable JSON (sorted keys), so equal rows are equal text.
    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    /// Ultrasound and secondary-capture image storage classes, which must carry pixels.
    static let imageClasses: Set<String> = [
        "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.3.1",   // US, US multi-frame
        "1.2.840.10008.5.1.4.1.1.6", "1.2.840.10008.5.1.4.1.1.3",       // retired US classes
        "1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.5.1.4.1.1.7.1", "1.2.840.10008.5.1.4.1.1.7.2",
        "1.2.840.10008.5.1.4.1.1.7.3", "1.2.840.10008.5.1.4.1.1.7.4",  // secondary capture
    ]

    private func captureTags(_ ds: DataSet) -> String? {
        var values: [String: CapturedValue] = [:]
        for raw in capturedTags.tags where !TagSelection.isForbidden(raw) {
            let tag = Tag(rawValue: raw)
            guard let element = ds[tag], element.vr != .PN else { continue }
            let list: [String]
            switch element.vr {
            case .US, .SS, .UL, .SL, .SV, .UV, .FL, .FD:
                guard let numbers = ds.doubles(tag) else { continue }
                list = numbers.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0) }
            case .OB, .OW, .OD, .OF, .OL, .OV, .UN, .SQ, .AT, .none:
                continue
            default:
                guard let strings = ds.strings(tag) else { continue }
                list = strings
            }
            let nonEmpty = list.filter { !$0.isEmpty }
            guard !nonEmpty.isEmpty else { continue }
            values[TagSelection.key(raw)] = list.count == 1 ? .one(list[0]) : .many(list)
        }
        guard !values.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(values)).map { String(decoding: $0, as: UTF8.self) }
    }

    private enum CapturedValue: Encodable {
        case one(String)
        case many([String])
        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case let .one(value): try container.encode(value)
            case let .many(values): try container.encode(values)
            }
        }
    }
}
