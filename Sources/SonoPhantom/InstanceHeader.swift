import DICOM
import Foundation

/// DICOM SOP classes the phantom writes.
public enum PhantomSOPClass {
    public static let ultrasoundImage = "1.2.840.10008.5.1.4.1.1.6.1"
    public static let ultrasoundMultiframeImage = "1.2.840.10008.5.1.4.1.1.3.1"
}

/// Builds the data set (everything but Pixel Data) of one phantom instance: Patient, General
/// Study, General Series, General Equipment, General Image, Image Pixel, US Region Calibration,
/// US Image, Cine/Multi-frame (loops) and SOP Common modules.
enum InstanceHeader {
    static let manufacturer = "SonoTag Phantom"
    static let model = "Simulated S-Series"
    static let software = "sonotag-phantom 1"

    struct PixelFormat {
        var photometric: String
        var samplesPerPixel: Int
        var lossyRatio: Double?
    }

    static func dataSet(patient: PatientPlan, study: StudyPlan, series: SeriesPlan, instance: InstancePlan,
                        region: ImagingRegion, format: PixelFormat) -> DataSet {
        var ds = DataSet()
        let spec = instance.spec
        let multiframe = spec.frames > 1
        let sopClass = multiframe ? PhantomSOPClass.ultrasoundMultiframeImage : PhantomSOPClass.ultrasoundImage

        ds.set(cs(0x0008, 0x0005, ["ISO_IR 100"]))
        ds.set(cs(0x0008, 0x0008, ["ORIGINAL", "PRIMARY", ExamProtocol.imageTypeRegion(for: spec.kind), "0001"]))
        ds.set(text(0x0008, 0x0012, .DA, study.date))
        ds.set(text(0x0008, 0x0013, .TM, instance.time))
        ds.set(uid(0x0008, 0x0016, sopClass))
        ds.set(uid(0x0008, 0x0018, instance.uid))
        ds.set(text(0x0008, 0x0020, .DA, study.date))
        ds.set(text(0x0008, 0x0021, .DA, study.date))
        ds.set(text(0x0008, 0x0023, .DA, study.date))
        ds.set(text(0x0008, 0x0030, .TM, study.time))
        ds.set(text(0x0008, 0x0031, .TM, study.time))
        ds.set(text(0x0008, 0x0033, .TM, instance.time))
        ds.set(text(0x0008, 0x0050, .SH, study.accessionNumber))
        ds.set(cs(0x0008, 0x0060, ["US"]))
        ds.set(text(0x0008, 0x0070, .LO, manufacturer))
        ds.set(text(0x0008, 0x0080, .LO, "PHANTOM GENERAL HOSPITAL"))
        ds.set(text(0x0008, 0x0090, .PN, ""))
        if let description = study.writtenDescription { ds.set(text(0x0008, 0x1030, .LO, description)) }
        ds.set(text(0x0008, 0x103E, .LO, ExamProtocol.preset(for: spec.kind)))
        ds.set(text(0x0008, 0x1090, .LO, model))
        if multiframe { ds.set(text(0x0008, 0x2144, .IS, "\(frameRate(spec))")) }

        ds.set(text(0x0010, 0x0010, .PN, patient.patientName))
        ds.set(text(0x0010, 0x0020, .LO, patient.patientID))
        ds.set(text(0x0010, 0x0030, .DA, patient.birthDate))
        ds.set(cs(0x0010, 0x0040, [patient.sex]))

        ds.set(cs(0x0018, 0x0015, [ExamProtocol.bodyPart(for: spec.kind)]))
        if multiframe { ds.set(text(0x0018, 0x0040, .IS, "\(frameRate(spec))")) }
        ds.set(text(0x0018, 0x1020, .LO, software))
        if multiframe { ds.set(text(0x0018, 0x1063, .DS, decimalString(1000 / Double(frameRate(spec))))) }
        if let probe = series.writtenTransducer { ds.set(text(0x0018, 0x5010, .LO, probe)) }
        ds.set(sequence(0x0018, 0x6011, [regionItem(region, spec: spec)]))

        ds.set(uid(0x0020, 0x000D, study.uid))
        ds.set(uid(0x0020, 0x000E, series.uid))
        ds.set(text(0x0020, 0x0010, .SH, study.studyID))
        ds.set(text(0x0020, 0x0011, .IS, "\(series.number)"))
        if let laterality = ExamProtocol.laterality(for: spec.kind, description: study.truth.description) {
            ds.set(cs(0x0020, 0x0060, laterality.isEmpty ? [] : [laterality]))
        }
        ds.set(text(0x0020, 0x0013, .IS, "\(instance.number)"))
        ds.set(cs(0x0020, 0x0020, []))

        ds.set(us(0x0028, 0x0002, [format.samplesPerPixel]))
        ds.set(cs(0x0028, 0x0004, [format.photometric]))
        if format.samplesPerPixel > 1 { ds.set(us(0x0028, 0x0006, [0])) }
        if multiframe {
            ds.set(text(0x0028, 0x0008, .IS, "\(spec.frames)"))
            ds.set(DataElement(tag: Tag(0x0028, 0x0009), vr: .AT, value: .bytes([0x18, 0x00, 0x63, 0x10])))
        }
        ds.set(us(0x0028, 0x0010, [spec.rows]))
        ds.set(us(0x0028, 0x0011, [spec.columns]))
        ds.set(us(0x0028, 0x0100, [8]))
        ds.set(us(0x0028, 0x0101, [8]))
        ds.set(us(0x0028, 0x0102, [7]))
        ds.set(us(0x0028, 0x0103, [0]))
        ds.set(cs(0x0028, 0x0301, ["YES"]))
        if let ratio = format.lossyRatio {
            ds.set(cs(0x0028, 0x2110, ["01"]))
            ds.set(text(0x0028, 0x2112, .DS, decimalString(ratio)))
            ds.set(cs(0x0028, 0x2114, ["ISO_10918_1"]))
        } else {
            ds.set(cs(0x0028, 0x2110, ["00"]))
        }
        return ds
    }

    static func frameRate(_ spec: ImageSpec) -> Int { spec.settings.transducer.geometry == .curvilinear ? 24 : 32 }

    /// One 2D tissue region in centimetres, with the probe-face centre as reference pixel.
    static func regionItem(_ region: ImagingRegion, spec: ImageSpec) -> DataSet {
        var item = DataSet()
        let deltaCM = region.pixelSpacingMM / 10
        // Reference pixel: the plane origin (probe-face centre), relative to the region's corner.
        let refX = Int((-region.originXMM / region.pixelSpacingMM + 0.5).rounded(.down))
        let refY = Int((-region.originZMM / region.pixelSpacingMM + 0.5).rounded(.down))
        item.set(us(0x0018, 0x6012, [1]))                    // Region Spatial Format: 2D
        item.set(us(0x0018, 0x6014, [1]))                    // Region Data Type: tissue
        item.set(ul(0x0018, 0x6016, [0]))                    // Region Flags
        item.set(ul(0x0018, 0x6018, [region.minX]))
        item.set(ul(0x0018, 0x601A, [region.minY]))
        item.set(ul(0x0018, 0x601C, [region.maxX]))
        item.set(ul(0x0018, 0x601E, [region.maxY]))
        item.set(sl(0x0018, 0x6020, [refX]))
        item.set(sl(0x0018, 0x6022, [refY]))
        item.set(us(0x0018, 0x6024, [3]))                    // cm
        item.set(us(0x0018, 0x6026, [3]))
        item.set(fd(0x0018, 0x6028, [0]))
        item.set(fd(0x0018, 0x602A, [0]))
        item.set(fd(0x0018, 0x602C, [deltaCM]))
        item.set(fd(0x0018, 0x602E, [deltaCM]))
        item.set(ul(0x0018, 0x6030, [Int(spec.settings.transducer.centreFrequencyMHz * 1000)])) // kHz
        return item
    }

    // MARK: - Element encoding (explicit VR little endian values)

    static func decimalString(_ value: Double) -> String {
        var s = String(format: "%.6g", value)
        if s.count > 16 { s = String(format: "%.8f", value).prefix(16).description }
        return s
    }

    static func text(_ group: UInt16, _ element: UInt16, _ vr: VR, _ value: String) -> DataElement {
        var bytes = Array(value.utf8)
        if bytes.count % 2 == 1 { bytes.append(vr == .UI ? 0 : 0x20) }
        return DataElement(tag: Tag(group, element), vr: vr, value: .bytes(bytes))
    }

    static func cs(_ group: UInt16, _ element: UInt16, _ values: [String]) -> DataElement {
        text(group, element, .CS, values.joined(separator: "\\"))
    }

    static func uid(_ group: UInt16, _ element: UInt16, _ value: String) -> DataElement { text(group, element, .UI, value) }

    static func us(_ group: UInt16, _ element: UInt16, _ values: [Int]) -> DataElement {
        DataElement(tag: Tag(group, element), vr: .US, value: .bytes(values.flatMap { v -> [UInt8] in
            let x = UInt16(truncatingIfNeeded: v)
            return [UInt8(x & 0xFF), UInt8(x >> 8)]
        }))
    }

    static func ul(_ group: UInt16, _ element: UInt16, _ values: [Int]) -> DataElement {
        DataElement(tag: Tag(group, element), vr: .UL, value: .bytes(values.flatMap { le32(UInt32(truncatingIfNeeded: $0)) }))
    }

    static func sl(_ group: UInt16, _ element: UInt16, _ values: [Int]) -> DataElement {
        DataElement(tag: Tag(group, element), vr: .SL, value: .bytes(values.flatMap { le32(UInt32(bitPattern: Int32(truncatingIfNeeded: $0))) }))
    }

    static func fd(_ group: UInt16, _ element: UInt16, _ values: [Double]) -> DataElement {
        DataElement(tag: Tag(group, element), vr: .FD, value: .bytes(values.flatMap { v -> [UInt8] in
            let bits = v.bitPattern
            return (0..<8).map { UInt8((bits >> (8 * UInt64($0))) & 0xFF) }
        }))
    }

    static func sequence(_ group: UInt16, _ element: UInt16, _ items: [DataSet]) -> DataElement {
        DataElement(tag: Tag(group, element), vr: .SQ, value: .sequence(items))
    }

    static func le32(_ x: UInt32) -> [UInt8] { [UInt8(x & 0xFF), UInt8((x >> 8) & 0xFF), UInt8((x >> 16) & 0xFF), UInt8(x >> 24)] }
}
