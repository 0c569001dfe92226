/// One item of the Sequence of Ultrasound Regions (0018,6011), PS3.3 C.8.5.5.
public struct UltrasoundRegion: Sendable, Equatable {
    /// Region Location Min/Max (x0, y0, x1, y1) as written in the file (inclusive pixel coordinates).
    public var minX0: Int, minY0: Int, maxX1: Int, maxY1: Int
    /// Region Spatial Format (0018,6012): 0 none, 1 2D (tissue or flow), 2 M-mode, 3 spectral, 4 waveform, 5 graphics.
    public var spatialFormat: Int?
    /// Region Data Type (0018,6014): 1 tissue, 2 colour flow, 3 PW spectral, 4 CW spectral, ...
    public var dataType: Int?
    /// Region Flags (0018,6016).
    public var flags: Int?
    /// Physical Units X/Y Direction (0018,6024/6026): 3 = cm, 4 = seconds, ...
    public var physicalUnitsX: Int?
    public var physicalUnitsY: Int?
    /// Physical Delta X/Y (0018,602C/602E): size of one pixel in those units.
    public var physicalDeltaX: Double?
    public var physicalDeltaY: Double?
    /// Reference Pixel X0/Y0 (0018,6020/6022) and Reference Pixel Physical Value X/Y (0018,6028/602A).
    public var referencePixelX0: Int?
    public var referencePixelY0: Int?
    public var referencePixelPhysicalValueX: Double?
    public var referencePixelPhysicalValueY: Double?
    /// Transducer Frequency (0018,6030) and Pulse Repetition Frequency (0018,6032).
    public var transducerFrequency: Int?
    public var pulseRepetitionFrequency: Int?
    /// Transducer Type (0018,6031): LINEAR, CURVED LINEAR, SECTOR_PHASED, VECTOR_PHASED, ...
    public var transducerType: String?

    public init(
        minX0: Int, minY0: Int, maxX1: Int, maxY1: Int, spatialFormat: Int? = nil, dataType: Int? = nil, flags: Int? = nil,
        physicalUnitsX: Int? = nil, physicalUnitsY: Int? = nil, physicalDeltaX: Double? = nil, physicalDeltaY: Double? = nil
    ) {
        self.minX0 = minX0
        self.minY0 = minY0
        self.maxX1 = maxX1
        self.maxY1 = maxY1
        self.spatialFormat = spatialFormat
        self.dataType = dataType
        self.flags = flags
        self.physicalUnitsX = physicalUnitsX
        self.physicalUnitsY = physicalUnitsY
        self.physicalDeltaX = physicalDeltaX
        self.physicalDeltaY = physicalDeltaY
    }

    init(item: DataSet) {
        func i(_ e: UInt16) -> Int? { item.int(Tag(0x0018, e)) }
        func d(_ e: UInt16) -> Double? { item.double(Tag(0x0018, e)) }
        self.init(
            minX0: i(0x6018) ?? 0, minY0: i(0x601A) ?? 0, maxX1: i(0x601C) ?? 0, maxY1: i(0x601E) ?? 0,
            spatialFormat: i(0x6012), dataType: i(0x6014), flags: i(0x6016),
            physicalUnitsX: i(0x6024), physicalUnitsY: i(0x6026), physicalDeltaX: d(0x602C), physicalDeltaY: d(0x602E))
        referencePixelX0 = i(0x6020)
        referencePixelY0 = i(0x6022)
        referencePixelPhysicalValueX = d(0x6028)
        referencePixelPhysicalValueY = d(0x602A)
        transducerFrequency = i(0x6030)
        pulseRepetitionFrequency = i(0x6032)
        transducerType = item.string(Tag(0x0018, 0x6031))
    }

    public var isTissue2D: Bool { spatialFormat == 1 && dataType == 1 }

    /// Corners that coincide in x or y (some scanners write a region of zero width): such a
    /// region holds no image, whatever its type says.
    public var hasZeroArea: Bool { minX0 == maxX1 || minY0 == maxY1 }

    /// The region's box clamped to a rows × columns image, as a half-open pixel rectangle;
    /// nil when nothing of it lies inside the image.
    public func clampedBox(rows: Int, columns: Int) -> PixelBox? {
        let x0 = max(0, min(minX0, maxX1)), y0 = max(0, min(minY0, maxY1))
        let x1 = min(columns, max(minX0, maxX1) + 1), y1 = min(rows, max(minY0, maxY1) + 1)
        guard x1 > x0, y1 > y0 else { return nil }
        return PixelBox(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}

/// A half-open pixel rectangle: columns x..<x+width, rows y..<y+height.
public struct PixelBox: Sendable, Equatable, Hashable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
    public var area: Int { width * height }
}

extension DICOMFile {
    /// All Sequence of Ultrasound Regions items, in file order, as written (unclamped).
    public var ultrasoundRegions: [UltrasoundRegion] {
        dataSet.sequence(.sequenceOfUltrasoundRegions)?.map(UltrasoundRegion.init(item:)) ?? []
    }

    /// The region to crop training images to: the largest 2D tissue region (spatial format 1,
    /// data type 1) clamped to the image; else the largest 2D region of any type; nil when none
    /// has pixels inside the image. Regions of zero area never count. Ties keep the first in
    /// file order.
    public func tissueRegion() -> (region: UltrasoundRegion, box: PixelBox)? {
        guard let rows = dataSet.int(.rows), let columns = dataSet.int(.columns) else { return nil }
        let boxed = ultrasoundRegions.filter { !$0.hasZeroArea }.compactMap { r in
            r.clampedBox(rows: rows, columns: columns).map { (r, $0) }
        }
        func largest(_ c: [(UltrasoundRegion, PixelBox)]) -> (UltrasoundRegion, PixelBox)? {
            var best: (UltrasoundRegion, PixelBox)?
            for x in c where x.1.area > (best?.1.area ?? 0) { best = x }
            return best
        }
        if let t = largest(boxed.filter { $0.0.isTissue2D }) { return (t.0, t.1) }
        if let t = largest(boxed.filter { $0.0.spatialFormat == 1 }) { return (t.0, t.1) }
        return nil
    }
}
