// libFuzzer entry for the Swift lossless (process 14) decoder directly.
// Build (from the package root; the decoders are compiled into the harness's own module):
//   swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzJpegLossless \
//     -I Sources/CTurboJPEG -I Sources/COpenJPEG -I Sources/CCharLS \
//     Sources/DICOMCodecs/*.swift Tests/Fuzz/codecs_jpeg_lossless.swift -o .build/fuzz/codecs_jpeg_lossless
// Run: .build/fuzz/codecs_jpeg_lossless -max_total_time=600 -rss_limit_mb=2048 CORPUS_DIR
// Any CodecError is a pass; a crash, sanitizer report, leak or out-of-memory is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCodecsJpegLossless(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JPEGLossless.decode(bytes)
    return 0
}
