// libFuzzer target: frame location and decoding of every syntax through DICOMFile, and the grayscale view.
import DICOM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPixels(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let f = try? DICOMFile(bytes: bytes), let n = try? f.frameCount() else { return 0 }
    for i in 0..<min(n, 4) {
        _ = try? f.decodeFrame(i)
        _ = try? f.grayscaleFrame(i)
    }
    return 0
}
