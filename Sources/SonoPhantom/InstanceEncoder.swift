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

    static func make(patient: PatientPlan, study: StudyPlan, series: SeriesPlan, instance: InstancePlan, jpegQuality: Int) throws -> Output {
        let image = ImageRenderer.render(instance.spec, withLabels: false)
        let annotation = ScreenAnnotation(date: study.date, time: instance.time, probe: series.transducer.rawValue,
                                          preset: ExamProtocol.preset(for: instance.spec.kind), settings: instance.spec.settings,
                                          frameRate: InstanceHeader.frameRate(instance.spec))
        let screens = image.frames.map { ScreenComposer.compose($0, region: image.region, annotation: annotation) }
        let spec = instance.spec
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
                pixelData = DICOMWriter.encapsulate(try screens.map {
                    try RLE.encode($0.pixels, rows: $0.height, columns: $0.width, samplesPerPixel: 3, bitsAllocated: 8)
                })
                format = .init(photometric: "RGB", samplesPerPixel: 3)
            case .jpegBaseline:
                let fragments = try screens.map {
                    try JPEG.encodeBaseline($0.pixels, width: $0.width, height: $0.height, components: 3, quality: jpegQuality, subsampling: .s422)
                }
                pixelData = DICOMWriter.encapsulate(fragments)
                let compressed = fragments.reduce(0) { $0 + $1.count }
                format = .init(photometric: "YBR_FULL_422", samplesPerPixel: 3, lossyRatio: Double(rawSize) / Double(max(compressed, 1)))
            }
        } catch {
            throw PhantomError.encoding(path: instance.relativePath, reason: "\(error)")
        }
        var dataSet = InstanceHeader.dataSet(patient: patient, study: study, series: series, instance: instance, region: image.region, format: format)
        dataSet.set(pixelData)
        let bytes: [UInt8]
        do {
            bytes = try DICOMWriter.encode(dataSet, transferSyntax: TransferSyntax(uid: instance.encoding.transferSyntaxUID))
        } catch {
            throw PhantomError.encoding(path: instance.relativePath, reason: "\(error)")
        }
        return Output(bytes: bytes, screen: screens[0], region: image.region)
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
