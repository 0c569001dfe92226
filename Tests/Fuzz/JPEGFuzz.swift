// libFuzzer target: JPEG (libjpeg-turbo baseline/extended, Swift lossless and 12-bit) via DICOMCodecs.
import DICOMCodecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let b = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JPEG.info(b)
    _ = try? JPEG.decode(b, colorTransform: .native)
    _ = try? JPEG.decode(b, colorTransform: .rgb)
    return 0
}
