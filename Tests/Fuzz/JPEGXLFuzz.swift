// libFuzzer target: JPEG XL (libjxl) via DICOMCodecs.
import DICOMCodecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEGXL(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let b = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JPEGXL.info(b)
    _ = try? JPEGXL.decode(b)
    return 0
}
