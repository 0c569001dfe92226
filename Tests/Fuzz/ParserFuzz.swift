// libFuzzer target: the Part 10 parser (full and header-only), JSON values, ultrasound regions.
import DICOM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for options in [ParseOptions(), ParseOptions.strict] {
        if let f = try? DICOMFile(bytes: bytes, options: options) {
            _ = f.meta.plainItems()
            _ = f.dataSet.plainItems()
            _ = f.ultrasoundRegions
            _ = f.tissueRegion()
            _ = f.transducerData
            _ = try? f.pixelDescription()
            _ = try? f.frameCount()
        }
    }
    _ = try? DICOMFile(bytes: bytes, mode: .headerOnly)
    return 0
}
