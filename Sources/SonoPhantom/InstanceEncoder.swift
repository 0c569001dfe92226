import DICOM
import DICOMCodecs
import Foundation
import Imaging

/// Renders one planned instance and encodes it as a DICOM file.
enum InstanceEncoder {
    struct Output {
        var bytes: [UInt8]
        /// First frame as exported (RGB screen), for previews.
        var screen: Raster
        var region: ImagingRegion
    }

    static func make(patient: PatientPlan, study: StudyPlan, series: SeriesPlan, instance: InstancePlan, jpegQuality: Int) throws -> Output
    {
        let image = ImageRenderer.render(instance.spec, withLabels: false)
        let annotation = ScreenAnnotation(
            date: study.date, time: instance.time, probe: series.transducer.rawValue,
            preset: ExamProtocol.preset(for: instance.spec.kind), settings: instance.spec.settings,
            frameRate: InstanceHeader.frameRate(instance.spec))
        var screens = image.frames.map { ScreenComposer.compose($0, region: image.region, annotation: annotation) }
        let spec = instance.spec
        let layout = screenLayout(
            instance.screen, screens: &screens, region: image.region, spec: spec, annotation: annotation,
            description: study.writtenDescription)
        let rawSize = spec.rows * spec.columns * 3 * screens.count
        let pixelData: DataElement
        let format: InstanceHeader.PixelFormat
        do {
            switch instance.encoding {
            case .nativeRGB:
                pixelData = DataElement(tag: .pixelData, vr: .OB, value: .bytes(screens.flatMap(\.pixels)))
                format = .init(photometric: "RGB", samplesPerPixel: 3)
            case .nativeMonochrome:
                pixelData = DataElement(tag: .pixelData, vr: .OB, value: .bytes(screens.flatMap(luma)))
                format = .init(photometric: "MONOCHROME2", samplesPerPixel: 1)
            case .rle:
                pixelData = DICOMWriter.encapsulate(
                    try screens.map {
                        try RLE.encode($0.pixels, rows: $0.height, columns: $0.width, samplesPerPixel: 3, bitsAllocated: 8)
                    })
                format = .init(photometric: "RGB", samplesPerPixel: 3)
            case .jpegBaseline:
                let fragments = try screens.map {
                    try JPEG.encodeBaseline(
                        $0.pixels, width: $0.width, height: $0.height, components: 3, quality: jpegQuality, subsampling: .s422)
                }
                pixelData = DICOMWriter.encapsulate(fragments)
                let compressed = fragments.reduce(0) { $0 + $1.count }
                format = .init(photometric: "YBR_FULL_422", samplesPerPixel: 3, lossyRatio: Double(rawSize) / Double(max(compressed, 1)))
            }
        } catch {
            throw PhantomError.encoding(path: instance.relativePath, reason: "\(error)")
        }
        var dataSet = InstanceHeader.dataSet(
            patient: patient, study: study, series: series, instance: instance, region: image.region, format: format)
        if instance.screen != .bmode {
            if layout.regionItems.isEmpty {
                dataSet.remove(Tag(0x0018, 0x6011))
            } else {
                dataSet.set(Tag(0x0018, 0x6011), items: layout.regionItems)
            }
            if let sopClass = layout.sopClass { dataSet.set(Tag(0x0008, 0x0016), .UI, string: sopClass) }
            dataSet.set(Tag(0x0008, 0x0008), .CS, strings: layout.imageType)
        }
        dataSet.set(pixelData)
        let bytes: [UInt8]
        do {
            bytes = try DICOMWriter.encode(dataSet, transferSyntax: TransferSyntax(uid: instance.encoding.transferSyntaxUID))
        } catch {
            throw PhantomError.encoding(path: instance.relativePath, reason: "\(error)")
        }
        return Output(bytes: bytes, screen: screens[0], region: image.region)
    }

    /// What a non-B-mode screen changes: the pixels (in place) and the header's regions, SOP
    /// class and Image Type (value 4: the US mode bit map, PS3.3 C.8.5.6.1.1).
    struct ScreenLayout {
        var regionItems: [DataSet]
        var sopClass: String?
        var imageType: [String]
    }

    static func screenLayout(
        _ kind: ScreenKind, screens: inout [Raster], region: ImagingRegion, spec: ImageSpec,
        annotation: ScreenAnnotation, description: String?
    ) -> ScreenLayout {
        let original = ["ORIGINAL", "PRIMARY", ExamProtocol.imageTypeRegion(for: spec.kind)]
        switch kind {
        case .bmode:
            return ScreenLayout(regionItems: [InstanceHeader.regionItem(region, spec: spec)], sopClass: nil, imageType: original + ["0001"])
        case .colourFlow:
            for i in screens.indices { ScreenLayouts.paintColourFlow(&screens[i], region: region, frame: i) }
            return ScreenLayout(
                regionItems: [InstanceHeader.regionItem(region, spec: spec), ScreenLayouts.colourFlowItem(region, spec: spec)],
                sopClass: nil, imageType: original + ["0011"])
        case .dopplerStrip:
            var tissue = region
            tissue.maxY = min(region.maxY, ScreenLayouts.stripTop(rows: spec.rows) - 2)
            for i in screens.indices { ScreenLayouts.drawDopplerStrip(&screens[i], frame: i) }
            return ScreenLayout(
                regionItems: [
                    InstanceHeader.regionItem(tissue, spec: spec), ScreenLayouts.dopplerItem(rows: spec.rows, columns: spec.columns)
                ],
                sopClass: nil, imageType: original + ["0009"])
        case .reportPage:
            screens = [ScreenLayouts.reportPage(rows: spec.rows, columns: spec.columns, annotation: annotation, description: description)]
            return ScreenLayout(regionItems: [], sopClass: ScreenLayouts.secondaryCaptureClass, imageType: ["DERIVED", "SECONDARY"])
        }
    }

    /// ITU-R BT.601 luma of an RGB raster.
    static func luma(_ raster: Raster) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: raster.width * raster.height)
        let p = raster.pixels
        for k in out.indices {
            let y = 0.299 * Double(p[3 * k]) + 0.587 * Double(p[3 * k + 1]) + 0.114 * Double(p[3 * k + 2])
            out[k] = UInt8(min(255, y.rounded()))
        }
        return out
    }
}
