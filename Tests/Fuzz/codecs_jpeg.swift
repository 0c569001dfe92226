// libFuzzer entry for JPEG baseline/extended/progressive (libjpeg-turbo) and the Swift 12-bit and lossless decoders, through JPEG.info and JPEG.decode in both colour modes.
// Build (from the package root; the decoders are compiled into the harness's own module):
//   swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzJpeg \
//     -I Sources/CTurboJPEG -I Sources/COpenJPEG -I Sources/CCharLS \
//     Sources/DICOMCodecs/*.swift Tests/Fuzz/codecs_jpeg.swift -o .build/fuzz/codecs_jpeg
// Run: .build/fuzz/codecs_jpeg -max_total_time=600 -rss_limit_mb=2048 CORPUS_DIR
// Any CodecError is a pass; a crash, sanitizer report, leak or out-of-memory is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCodecsJpeg(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JPEG.info(bytes)
    _ = try? JPEG.decode(bytes, colorTransform: .rgb)
    _ = try? JPEG.decode(bytes, colorTransform: .native)
    return 0
}
