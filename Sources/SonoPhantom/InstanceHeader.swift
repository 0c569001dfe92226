import DICOM
import Foundation

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

    static func dataSet(
        patient: PatientPlan, study: StudyPlan, series: SeriesPlan, instance: InstancePlan,
        region: ImagingRegion, format: PixelFormat
    ) -> DataSet {
        var ds = DataSet()
        let spec = instance.spec
        let multiframe = spec.frames > 1
        let sopClass = multiframe ? UltrasoundImage.usMultiFrameImageStorage : UltrasoundImage.usImageStorage

        ds.set(Tag(0x0008, 0x0005), .CS, strings: ["ISO_IR 100"])
        ds.set(Tag(0x0008, 0x0008), .CS, strings: ["ORIGINAL", "PRIMARY", ExamProtocol.imageTypeRegion(for: spec.kind), "0001"])
        ds.set(Tag(0x0008, 0x0012), .DA, string: study.date)
        ds.set(Tag(0x0008, 0x0013), .TM, string: instance.time)
        ds.set(Tag(0x0008, 0x0016), .UI, string: sopClass)
        ds.set(Tag(0x0008, 0x0018), .UI, string: instance.uid)
        ds.set(Tag(0x0008, 0x0020), .DA, string: study.date)
        ds.set(Tag(0x0008, 0x0021), .DA, string: study.date)
        ds.set(Tag(0x0008, 0x0023), .DA, string: study.date)
        ds.set(Tag(0x0008, 0x0030), .TM, string: study.time)
        ds.set(Tag(0x0008, 0x0031), .TM, string: study.time)
        ds.set(Tag(0x0008, 0x0033), .TM, string: instance.time)
        ds.set(Tag(0x0008, 0x0050), .SH, string: study.accessionNumber)
        ds.set(Tag(0x0008, 0x0060), .CS, strings: ["US"])
        ds.set(Tag(0x0008, 0x0070), .LO, string: manufacturer)
        ds.set(Tag(0x0008, 0x0080), .LO, string: "PHANTOM GENERAL HOSPITAL")
        ds.set(Tag(0x0008, 0x0090), .PN, string: "")
        if let description = study.writtenDescription { ds.set(Tag(0x0008, 0x1030), .LO, string: description) }
        ds.set(Tag(0x0008, 0x103E), .LO, string: ExamProtocol.preset(for: spec.kind))
        ds.set(Tag(0x0008, 0x1090), .LO, string: model)
        if multiframe { ds.set(Tag(0x0008, 0x2144), .IS, string: "\(frameRate(spec))") }

        ds.set(Tag(0x0010, 0x0010), .PN, string: patient.patientName)
        ds.set(Tag(0x0010, 0x0020), .LO, string: patient.patientID)
        ds.set(Tag(0x0010, 0x0030), .DA, string: patient.birthDate)
        ds.set(Tag(0x0010, 0x0040), .CS, strings: [patient.sex])

        ds.set(Tag(0x0018, 0x0015), .CS, strings: [ExamProtocol.bodyPart(for: spec.kind)])
        if multiframe { ds.set(Tag(0x0018, 0x0040), .IS, string: "\(frameRate(spec))") }
        ds.set(Tag(0x0018, 0x1020), .LO, string: software)
        if multiframe { ds.set(Tag(0x0018, 0x1063), .DS, string: decimalString(1000 / Double(frameRate(spec)))) }
        if let probe = series.writtenTransducer { ds.set(Tag(0x0018, 0x5010), .LO, string: probe) }
        ds.set(Tag(0x0018, 0x6011), items: [regionItem(region, spec: spec)])

        ds.set(Tag(0x0020, 0x000D), .UI, string: study.uid)
        ds.set(Tag(0x0020, 0x000E), .UI, string: series.uid)
        ds.set(Tag(0x0020, 0x0010), .SH, string: study.studyID)
        ds.set(Tag(0x0020, 0x0011), .IS, string: "\(series.number)")
        if let laterality = ExamProtocol.laterality(for: spec.kind, description: study.truth.description) {
            ds.set(Tag(0x0020, 0x0060), .CS, strings: laterality.isEmpty ? [] : [laterality])
        }
        ds.set(Tag(0x0020, 0x0013), .IS, string: "\(instance.number)")
        ds.set(Tag(0x0020, 0x0020), .CS, strings: [])

        ds.set(Tag(0x0028, 0x0002), .US, int: format.samplesPerPixel)
        ds.set(Tag(0x0028, 0x0004), .CS, strings: [format.photometric])
        if format.samplesPerPixel > 1 { ds.set(Tag(0x0028, 0x0006), .US, int: 0) }
        if multiframe {
            ds.set(Tag(0x0028, 0x0008), .IS, string: "\(spec.frames)")
            ds.set(Tag(0x0028, 0x0009), .AT, bytes: [0x18, 0x00, 0x63, 0x10])
        }
        ds.set(Tag(0x0028, 0x0010), .US, int: spec.rows)
        ds.set(Tag(0x0028, 0x0011), .US, int: spec.columns)
        ds.set(Tag(0x0028, 0x0100), .US, int: 8)
        ds.set(Tag(0x0028, 0x0101), .US, int: 8)
        ds.set(Tag(0x0028, 0x0102), .US, int: 7)
        ds.set(Tag(0x0028, 0x0103), .US, int: 0)
        ds.set(Tag(0x0028, 0x0301), .CS, strings: ["YES"])
        if let ratio = format.lossyRatio {
            ds.set(Tag(0x0028, 0x2110), .CS, strings: ["01"])
            ds.set(Tag(0x0028, 0x2112), .DS, string: decimalString(ratio))
            ds.set(Tag(0x0028, 0x2114), .CS, strings: ["ISO_10918_1"])
        } else {
            ds.set(Tag(0x0028, 0x2110), .CS, strings: ["00"])
        }
        return ds
    }

    static func frameRate(_ spec: ImageSpec) -> Int { spec.settings.transducer.geometry == .curvilinear ? 24 : 32 }

    /// One 2D tissue region in centimetres, with the probe-face centre as reference pixel.
    static func tissueRegion(_ region: ImagingRegion, spec: ImageSpec) -> UltrasoundRegion {
        let deltaCM = region.pixelSpacingMM / 10
        // Reference pixel: the plane origin (probe-face centre), relative to the region's corner.
        let refX = Int((-region.originXMM / region.pixelSpacingMM + 0.5).rounded(.down))
        let refY = Int((-region.originZMM / region.pixelSpacingMM + 0.5).rounded(.down))
        var tissue = UltrasoundRegion(
            minX0: region.minX, minY0: region.minY, maxX1: region.maxX, maxY1: region.maxY,
            spatialFormat: 1, dataType: 1, flags: 0)  // 2D, tissue
        tissue.referencePixelX0 = refX
        tissue.referencePixelY0 = refY
        tissue.physicalUnitsX = 3  // cm
        tissue.physicalUnitsY = 3
        tissue.referencePixelPhysicalValueX = 0
        tissue.referencePixelPhysicalValueY = 0
        tissue.physicalDeltaX = deltaCM
        tissue.physicalDeltaY = deltaCM
        tissue.transducerFrequency = Int(spec.settings.transducer.centreFrequencyMHz * 1000)  // kHz
        return tissue
    }

    static func regionItem(_ region: ImagingRegion, spec: ImageSpec) -> DataSet {
        tissueRegion(region, spec: spec).dataSetItem
    }

    /// A DS value as the phantom has always written it (`%.6g`), which DICOM's own shortest-form
    /// encoder would spell differently; the cohort's bytes for a seed must not change.
    static func decimalString(_ value: Double) -> String {
        var s = String(format: "%.6g", value)
        if s.count > 16 { s = String(format: "%.8f", value).prefix(16).description }
        return s
    }
}
