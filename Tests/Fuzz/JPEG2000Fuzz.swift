// libFuzzer target: JPEG 2000 / HTJ2K (openjpeg) via DICOMCodecs.
import DICOMCodecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG2000(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let b = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JPEG2000.info(b)
    _ = try? JPEG2000.decode(b)
    return 0
}
