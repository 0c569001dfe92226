import DICOMCodecs
import Foundation

/// What goes into a US Image Storage / US Multi-frame Image Storage file.
/// Pixels are 8-bit: one sample (MONOCHROME2) or three (RGB), interleaved, row-major.
public struct UltrasoundImage: Sendable {
    public var rows: Int
    public var columns: Int
    /// 1 (MONOCHROME2) or 3 (RGB).
    public var samplesPerPixel: Int
    /// One entry per frame, rows × columns × samplesPerPixel bytes each. More than one frame
    /// writes US Multi-frame Image Storage (with Frame Time).
    public var frames: [[UInt8]]
    /// Milliseconds between frames (multi-frame only).
    public var frameTime: Double = 33.3

    public var patientID: String = ""
    public var patientName: String = ""
    public var studyInstanceUID: String = UID.make()
    public var seriesInstanceUID: String = UID.make()
    public var sopInstanceUID: String = UID.make()
    /// DA and TM strings (YYYYMMDD, HHMMSS).
    public var studyDate: String = ""
    public var studyTime: String = ""
    public var studyID: String = "1"
    public var accessionNumber: String = ""
    public var seriesNumber: Int = 1
    public var instanceNumber: Int = 1
    public var studyDescription: String?
    public var seriesDescription: String?
    public var manufacturer: String = "SonoTag"
    public var manufacturerModelName: String?
    /// Transducer Data (0018,5010), e.g. ["SL15-4"].
    public var transducerData: [String] = []
    /// Transducer Type (0018,6031), e.g. "LINEAR", "CURVED LINEAR", "SECTOR".
    public var transducerType: String?
    public var burnedInAnnotation: Bool = false
    public var bodyPartExamined: String?
    /// Laterality (0020,0060): "R", "L" or empty (type 2C: written always).
    public var laterality: String = ""
    public var regions: [UltrasoundRegion] = []
    /// Further elements, set last (they override the above).
    public var extraElements: [DataElement] = []

    public init(rows: Int, columns: Int, samplesPerPixel: Int, frames: [[UInt8]]) {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.frames = frames
    }

    public static let usImageStorage = "1.2.840.10008.5.1.4.1.1.6.1"
    public static let usMultiFrameImageStorage = "1.2.840.10008.5.1.4.1.1.3.1"

    public var isMultiFrame: Bool { frames.count > 1 }

    /// The data set with pixel data encoded as `encoding` asks.
    public func dataSet(encoding: PixelEncoding = .native) throws -> DataSet {
        guard rows > 0, columns > 0, rows <= 65535, columns <= 65535 else { throw DICOMError.invalidImage("\(rows)×\(columns)") }
        guard samplesPerPixel == 1 || samplesPerPixel == 3 else { throw DICOMError.invalidImage("samplesPerPixel \(samplesPerPixel)") }
        guard !frames.isEmpty else { throw DICOMError.invalidImage("no frames") }
        let frameBytes = rows * columns * samplesPerPixel
        for (i, f) in frames.enumerated() where f.count != frameBytes {
            throw DICOMError.invalidImage("frame \(i) has \(f.count) bytes, expected \(frameBytes)")
        }
        var ds = DataSet()
        ds.set(.specificCharacterSet, .CS, string: "ISO_IR 192")
        ds.set(Tag(0x0008, 0x0008), .CS, strings: ["ORIGINAL", "PRIMARY", "", "0001"])
        ds.set(.sopClassUID, .UI, string: isMultiFrame ? Self.usMultiFrameImageStorage : Self.usImageStorage)
        ds.set(.sopInstanceUID, .UI, string: sopInstanceUID)
        ds.set(Tag(0x0008, 0x0020), .DA, string: studyDate)
        ds.set(Tag(0x0008, 0x0030), .TM, string: studyTime)
        ds.set(Tag(0x0008, 0x0023), .DA, string: studyDate)
        ds.set(Tag(0x0008, 0x0033), .TM, string: studyTime)
        ds.set(Tag(0x0008, 0x0050), .SH, string: accessionNumber)
        ds.set(.modality, .CS, string: "US")
        ds.set(.manufacturer, .LO, string: manufacturer)
        ds.set(Tag(0x0008, 0x0090), .PN, string: "")
        if let s = studyDescription { ds.set(.studyDescription, .LO, string: s) }
        if let s = seriesDescription { ds.set(Tag(0x0008, 0x103E), .LO, string: s) }
        if let s = manufacturerModelName { ds.set(Tag(0x0008, 0x1090), .LO, string: s) }
        ds.set(Tag(0x0010, 0x0010), .PN, string: patientName)
        ds.set(.patientID, .LO, string: patientID)
        ds.set(Tag(0x0010, 0x0030), .DA, string: "")
        ds.set(Tag(0x0010, 0x0040), .CS, string: "")
        if let s = bodyPartExamined { ds.set(Tag(0x0018, 0x0015), .CS, string: s) }
        if isMultiFrame { ds.set(Tag(0x0018, 0x1063), .DS, double: frameTime) }
        if !transducerData.isEmpty { ds.set(.transducerData, .LO, strings: transducerData) }
        if let s = transducerType { ds.set(.transducerType, .CS, string: s) }
        if !regions.isEmpty { ds.set(.sequenceOfUltrasoundRegions, items: regions.map(\.dataSetItem)) }
        ds.set(Tag(0x0020, 0x000D), .UI, string: studyInstanceUID)
        ds.set(Tag(0x0020, 0x000E), .UI, string: seriesInstanceUID)
        ds.set(Tag(0x0020, 0x0010), .SH, string: studyID)
        ds.set(Tag(0x0020, 0x0011), .IS, int: seriesNumber)
        ds.set(Tag(0x0020, 0x0013), .IS, int: instanceNumber)
        ds.set(Tag(0x0020, 0x0020), .CS, strings: ["", ""])
        ds.set(Tag(0x0020, 0x0060), .CS, string: laterality)
        ds.set(.burnedInAnnotation, .CS, string: burnedInAnnotation ? "YES" : "NO")

        ds.set(.samplesPerPixel, .US, int: samplesPerPixel)
        ds.set(.rows, .US, int: rows)
        ds.set(.columns, .US, int: columns)
        ds.set(.bitsAllocated, .US, int: 8)
        ds.set(.bitsStored, .US, int: 8)
        ds.set(.highBit, .US, int: 7)
        ds.set(.pixelRepresentation, .US, int: 0)
        if isMultiFrame {
            ds.set(.numberOfFrames, .IS, int: frames.count)
            ds.set(Tag(0x0028, 0x0009), .AT, bytes: [0x18, 0x00, 0x63, 0x10])  // Frame Increment Pointer → Frame Time
        }
        let photometricNative = samplesPerPixel == 3 ? "RGB" : "MONOCHROME2"
        switch encoding {
        case .native:
            ds.set(.photometricInterpretation, .CS, string: photometricNative)
            if samplesPerPixel == 3 { ds.set(.planarConfiguration, .US, int: 0) }
            ds.set(.pixelData, .OB, bytes: frames.flatMap { $0 })
            ds.set(Tag(0x0028, 0x2110), .CS, string: "00")
        case .rle:
            ds.set(.photometricInterpretation, .CS, string: photometricNative)
            if samplesPerPixel == 3 { ds.set(.planarConfiguration, .US, int: 0) }
            let encoded = try frames.map {
                try RLE.encode($0, rows: rows, columns: columns, samplesPerPixel: samplesPerPixel, bitsAllocated: 8)
            }
            ds.set(DICOMWriter.encapsulate(encoded))
            ds.set(Tag(0x0028, 0x2110), .CS, string: "00")
        case .jpegBaseline(let quality):
            ds.set(.photometricInterpretation, .CS, string: samplesPerPixel == 3 ? "YBR_FULL_422" : "MONOCHROME2")
            if samplesPerPixel == 3 { ds.set(.planarConfiguration, .US, int: 0) }
            let encoded: [[UInt8]]
            do {
                encoded = try frames.map {
                    try JPEG.encodeBaseline(
                        $0, width: columns, height: rows, components: samplesPerPixel,
                        quality: quality, subsampling: samplesPerPixel == 3 ? .s422 : .gray)
                }
            } catch let e as CodecError {
                throw DICOMError.codec("JPEG baseline encode: \(e)")
            }
            ds.set(DICOMWriter.encapsulate(encoded))
            let ratio = Double(frameBytes * frames.count) / Double(max(1, encoded.reduce(0) { $0 + $1.count }))
            ds.set(Tag(0x0028, 0x2110), .CS, string: "01")
            ds.set(Tag(0x0028, 0x2112), .DS, double: (ratio * 100).rounded() / 100)
            ds.set(Tag(0x0028, 0x2114), .CS, string: "ISO_10918_1")
        }
        for e in extraElements { ds.set(e) }
        return ds
    }

    /// Encodes and writes the file atomically.
    public func write(to url: URL, encoding: PixelEncoding = .native) throws {
        try DICOMWriter.write(dataSet(encoding: encoding), transferSyntax: encoding.transferSyntax, to: url)
    }

    /// The file's bytes.
    public func encoded(_ encoding: PixelEncoding = .native) throws -> [UInt8] {
        try DICOMWriter.encode(dataSet(encoding: encoding), transferSyntax: encoding.transferSyntax)
    }
}

extension UltrasoundRegion {
    /// The item of Sequence of Ultrasound Regions (0018,6011) describing this region: absent
    /// optional fields are left out, except those a reader needs (spatial format, data type,
    /// flags, units, deltas), which default to a 2D tissue region in centimetres.
    public var dataSetItem: DataSet {
        let r = self
        var item = DataSet()
        func us(_ e: UInt16, _ v: Int?) { if let v { item.set(Tag(0x0018, e), .US, int: v) } }
        func ul(_ e: UInt16, _ v: Int?) { if let v { item.set(Tag(0x0018, e), .UL, int: v) } }
        func sl(_ e: UInt16, _ v: Int?) { if let v { item.set(Tag(0x0018, e), .SL, int: v) } }
        func fd(_ e: UInt16, _ v: Double?) { if let v { item.set(Tag(0x0018, e), .FD, double: v) } }
        us(0x6012, r.spatialFormat ?? 1)
        us(0x6014, r.dataType ?? 1)
        ul(0x6016, r.flags ?? 0)
        ul(0x6018, r.minX0)
        ul(0x601A, r.minY0)
        ul(0x601C, r.maxX1)
        ul(0x601E, r.maxY1)
        sl(0x6020, r.referencePixelX0)
        sl(0x6022, r.referencePixelY0)
        us(0x6024, r.physicalUnitsX ?? 3)
        us(0x6026, r.physicalUnitsY ?? 3)
        fd(0x6028, r.referencePixelPhysicalValueX)
        fd(0x602A, r.referencePixelPhysicalValueY)
        fd(0x602C, r.physicalDeltaX ?? 0)
        fd(0x602E, r.physicalDeltaY ?? 0)
        ul(0x6030, r.transducerFrequency)
        ul(0x6032, r.pulseRepetitionFrequency)
        if let type = r.transducerType { item.set(Tag(0x0018, 0x6031), .CS, string: type) }
        return item
    }
}
