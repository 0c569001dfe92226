// libFuzzer target: JPEG-LS (CharLS) via DICOMCodecs.
import DICOMCodecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEGLS(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let b = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JPEGLS.info(b)
    _ = try? JPEGLS.decode(b)
    return 0
}
