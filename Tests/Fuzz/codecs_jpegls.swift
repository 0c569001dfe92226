// libFuzzer entry for JPEG-LS through CharLS.
// Build (from the package root; the decoders are compiled into the harness's own module):
//   swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzJpegls \
//     -I Sources/CTurboJPEG -I Sources/COpenJPEG -I Sources/CCharLS \
//     Sources/DICOMCodecs/*.swift Tests/Fuzz/codecs_jpegls.swift -o .build/fuzz/codecs_jpegls
// Run: .build/fuzz/codecs_jpegls -max_total_time=600 -rss_limit_mb=2048 CORPUS_DIR
// Any CodecError is a pass; a crash, sanitizer report, leak or out-of-memory is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCodecsJpegls(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JPEGLS.info(bytes)
    _ = try? JPEGLS.decode(bytes)
    return 0
}
