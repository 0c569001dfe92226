// libFuzzer entry for JPEG 2000 / HTJ2K through openjpeg (codestream and JP2).
// Build (from the package root; the decoders are compiled into the harness's own module):
//   swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzJpeg2000 \
//     -I Sources/CTurboJPEG -I Sources/COpenJPEG -I Sources/CCharLS \
//     Sources/DICOMCodecs/*.swift Tests/Fuzz/codecs_jpeg2000.swift -o .build/fuzz/codecs_jpeg2000
// Run: .build/fuzz/codecs_jpeg2000 -max_total_time=600 -rss_limit_mb=2048 CORPUS_DIR
// Any CodecError is a pass; a crash, sanitizer report, leak or out-of-memory is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCodecsJpeg2000(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JPEG2000.info(bytes)
    _ = try? JPEG2000.decode(bytes)
    return 0
}
