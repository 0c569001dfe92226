import DICOM
import Foundation
import SonoSupport

/// The crawl's header reader: sniff the first bytes, parse the header only (stopping before
/// Pixel Data), and turn what it finds — or why it failed — into a manifest row.
struct DICOMFileInspector: FileInspecting {
    let capturedTags: TagSelection
    /// Keyed hashing of patient ids with the user's key.
    let key: PatientKey?
    /// The captured tags that may be stored, each with its quoted JSON key, worked out once
    /// rather than per file.
    private let capturePlan: [(tag: Tag, key: String)]

    init(capturedTags: TagSelection, key: PatientKey?) {
        self.capturedTags = capturedTags
        self.key = key
        capturePlan = capturedTags.tags.filter { !TagSelection.isForbidden($0) }
            .map { (Tag(rawValue: $0), TextEscaping.jsonString(TagSelection.key($0))) }
    }

    func inspect(path: String, stamp: FileStamp) -> InspectedFile {
        var record = FileRecord(path: path, size: stamp.size, mtimeNs: stamp.mtimeNs, status: .ok)
        func fail(_ status: FileStatus, _ reason: String, _ detail: String? = nil) -> InspectedFile {
            record.status = status
            record.reason = reason
            record.detail = detail
            return InspectedFile(record: record, frames: [])
        }
        guard stamp.size > 0 else { return fail(.notDICOM, "empty_file") }
        // One read serves the sniff and, for almost every file, the whole header.
        let head: [UInt8]
        do {
            head = try DICOMSniffer.read(path, at: 0, count: Int(min(stamp.size, Int64(Self.headBytes))))
        } catch {
            return fail(.corrupt, "unreadable", "cannot open the file")
        }
        if DICOMSniffer.classify(Array(head.prefix(DICOMSniffer.prefixLength)), fileSize: stamp.size) == .notDICOM {
            return fail(.notDICOM, "no_dicom_marker")
        }
        let file: DICOMFile
        do {
            file = try Self.open(path: path, head: head, size: stamp.size)
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
        return describe(file, path: path, size: stamp.size, record: record)
    }

    /// Bytes read up front: headers of ultrasound files are a few kilobytes.
    static let headBytes = 16 * 1024

    /// Parses the header from the bytes already read; only when they end before the header does
    /// (or hold a partial deflate stream) is the file opened again and read on demand.
    static func open(path: String, head: [UInt8], size: Int64) throws -> DICOMFile {
        if Int64(head.count) >= size { return try DICOMFile(bytes: head, mode: .headerOnly) }
        if let file = try? DICOMFile(bytes: head, mode: .headerOnly), !file.isTruncated, file.pixelDataReference != nil,
            !file.transferSyntax.isDeflated
        {
            return file
        }
        return try DICOMFile(path: path, mode: .headerOnly)
    }

    private func describe(_ file: DICOMFile, path: String, size: Int64, record initial: FileRecord) -> InspectedFile {
        var record = initial
        let ds = file.dataSet
        var warnings = file.warnings
        record.sopClassUid = HeaderText.string(ds, .sopClassUID) ?? HeaderText.string(file.meta, .mediaStorageSOPClassUID)
        record.sopInstanceUid = HeaderText.string(ds, .sopInstanceUID) ?? HeaderText.string(file.meta, .mediaStorageSOPInstanceUID)
        record.studyInstanceUid = HeaderText.string(ds, Tag(0x0020, 0x000D))
        record.seriesInstanceUid = HeaderText.string(ds, Tag(0x0020, 0x000E))
        record.patientHash = HeaderText.string(ds, .patientID).flatMap { key?.hash($0) }
        record.modality = HeaderText.string(ds, .modality)
        record.manufacturer = HeaderText.string(ds, .manufacturer)
        record.manufacturerModel = HeaderText.string(ds, Tag(0x0008, 0x1090))
        let transducers = (HeaderText.strings(ds, .transducerData) ?? []).filter { !$0.isEmpty }
        record.transducerData = transducers.isEmpty ? nil : transducers.joined(separator: "\\")
        record.transducerType = HeaderText.string(ds, .transducerType)
        record.studyDescription = HeaderText.string(ds, .studyDescription)
        record.seriesDescription = HeaderText.string(ds, Tag(0x0008, 0x103E))
        record.transferSyntax = file.transferSyntax.uid
        record.photometric = HeaderText.string(ds, .photometricInterpretation)
        record.rows = ds.int(.rows)
        record.columns = ds.int(.columns)
        record.frames = file.hasPixelData ? file.numberOfFrames : ds.int(.numberOfFrames)
        record.samplesPerPixel = ds.int(.samplesPerPixel)
        record.bitsAllocated = ds.int(.bitsAllocated)
        record.tags = captureTags(ds)

        if let rows = record.rows, let columns = record.columns, rows > 0, columns > 0 {
            let regions = file.ultrasoundRegions
            if record.transducerType?.isEmpty ?? true {
                var types: [String] = []
                for type in regions.compactMap(\.transducerType) where !type.isEmpty && !types.contains(type) { types.append(type) }
                record.transducerType = types.isEmpty ? nil : types.joined(separator: "\\")
            }
            // Regions as scanners write them: boxes past the image are clamped, zero-area regions
            // ignored and negative physical deltas (a signed direction) read as magnitudes, each
            // with a warning.
            if !regions.isEmpty {
                let stored = regions.map { region -> StoredRegion in
                    let box = region.hasZeroArea ? nil : region.clampedBox(rows: rows, columns: columns)
                    let x0 = min(region.minX0, region.maxX1), y0 = min(region.minY0, region.maxY1)
                    let x1 = max(region.minX0, region.maxX1) + 1, y1 = max(region.minY0, region.maxY1) + 1
                    let clamped = box.map { $0.x != x0 || $0.y != y0 || $0.x + $0.width != x1 || $0.y + $0.height != y1 } ?? true
                    return StoredRegion(
                        x0: box?.x ?? 0, y0: box?.y ?? 0, x1: box.map { $0.x + $0.width } ?? 0, y1: box.map { $0.y + $0.height } ?? 0,
                        spatialFormat: region.spatialFormat, dataType: region.dataType,
                        unitsX: region.physicalUnitsX, unitsY: region.physicalUnitsY,
                        deltaX: region.physicalDeltaX.map(abs), deltaY: region.physicalDeltaY.map(abs),
                        clamped: clamped && !region.hasZeroArea)
                }
                record.regions = JSONText.regions(stored)
                let zeroArea = regions.filter(\.hasZeroArea).count
                if zeroArea > 0 { warnings.append("\(zeroArea) ultrasound region\(zeroArea == 1 ? "" : "s") of zero area, ignored") }
                if stored.contains(where: \.clamped) { warnings.append("ultrasound region outside the image, clamped") }
                if regions.contains(where: { ($0.physicalDeltaX ?? 0) < 0 || ($0.physicalDeltaY ?? 0) < 0 }) {
                    warnings.append("negative physical delta, read as its magnitude")
                }
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
            record.warnings = warnings.isEmpty ? nil : "[" + warnings.map(TextEscaping.jsonString).joined(separator: ",") + "]"
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
        if let length = pixels.length {
            // Native: every frame's bytes must be in the file (a truncated file parses fine
            // header-only, so this is where truncation shows).
            let samplesPerPixel = description.isYBR422 && description.samplesPerPixel == 3 ? 2 : description.samplesPerPixel
            let frameBits = description.rows * description.columns * samplesPerPixel * description.bitsAllocated
            let needed = (frameBits * frameCount + 7) / 8
            let available = syntax.isDeflated ? length : min(length, Int(size) - pixels.offset)
            if available < needed {
                return finish(
                    .corrupt, "truncated_pixel_data", "\(available) bytes of pixel data, \(needed) needed for \(frameCount) frame(s)")
            }
            // Byte ranges of whole-byte frames in the file (a deflated file's offsets are in the
            // inflated stream, so none are given).
            let frameBytes = frameBits / 8
            let exact = frameBits % 8 == 0 && !syntax.isDeflated
            frames = (0..<frameCount).map { index in
                exact ? (Int64(pixels.offset + index * frameBytes), Int64(frameBytes)) : (nil, nil)
            }
        } else {
            // Encapsulated: a complete stream ends with a sequence delimiter; only when it does
            // not, walk the fragments to tell truncation from trailing elements.
            let tail = DICOMSniffer.readTail(path, size: size)
            if tail != [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0] {
                do {
                    let located = try DICOMFile(path: path, mode: .headerOnly).frameCount()
                    if located < frameCount {
                        return finish(.corrupt, "truncated_pixel_data", "\(located) of \(frameCount) frames present")
                    }
                } catch {
                    return finish(.corrupt, "truncated_pixel_data", "\(error)")
                }
            }
            frames = Array(repeating: (nil, nil), count: frameCount)
        }
        let verdict = classify(ds, regions: file.ultrasoundRegions, path: path, record: record, frameCount: frameCount)
        record.imageKind = verdict.kind
        record.kindReason = verdict.reason
        return finish(.ok)
    }

    /// The instance's image kind from its header, and where that cannot tell, from a few of its
    /// frames (the file is then read in full, once).
    private func classify(
        _ ds: DataSet, regions: [UltrasoundRegion], path: String, record: FileRecord,
        frameCount: Int
    ) -> ImageKindClassifier.Verdict {
        let header = ImageKindClassifier.Header(
            sopClassUID: record.sopClassUid, imageType: HeaderText.strings(ds, Tag(0x0008, 0x0008)) ?? [],
            samplesPerPixel: record.samplesPerPixel ?? 1, rows: record.rows ?? 0, columns: record.columns ?? 0,
            regions: regions)
        var full: DICOMFile?
        return ImageKindClassifier.classify(header: header, frameCount: frameCount) { index in
            if full == nil { full = try DICOMFile(path: path, mode: .full) }
            return try full!.decodeFrame(index)
        }
    }

    /// Ultrasound and secondary-capture image storage classes, which must carry pixels.
    static let imageClasses: Set<String> = [
        "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.3.1",  // US, US multi-frame
        "1.2.840.10008.5.1.4.1.1.6", "1.2.840.10008.5.1.4.1.1.3",  // retired US classes
        "1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.5.1.4.1.1.7.1", "1.2.840.10008.5.1.4.1.1.7.2",
        "1.2.840.10008.5.1.4.1.1.7.3", "1.2.840.10008.5.1.4.1.1.7.4"  // secondary capture
    ]

    private func captureTags(_ ds: DataSet) -> String? {
        var fields: [String] = []
        for (tag, key) in capturePlan {
            guard let element = ds[tag], element.vr != .PN else { continue }
            let list: [String]
            switch element.vr {
            case .US, .SS, .UL, .SL, .SV, .UV, .FL, .FD:
                guard let numbers = ds.doubles(tag) else { continue }
                list = numbers.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0) }
            case .OB, .OW, .OD, .OF, .OL, .OV, .UN, .SQ, .AT, .none:
                continue
            default:
                guard let strings = HeaderText.strings(ds, tag) else { continue }
                list = strings
            }
            guard list.contains(where: { !$0.isEmpty }) else { continue }
            let value =
                list.count == 1 ? TextEscaping.jsonString(list[0]) : "[" + list.map(TextEscaping.jsonString).joined(separator: ",") + "]"
            fields.append(key + ":" + value)
        }
        // Tags are sorted, so the object's keys are too.
        return fields.isEmpty ? nil : "{" + fields.joined(separator: ",") + "}"
    }
}
