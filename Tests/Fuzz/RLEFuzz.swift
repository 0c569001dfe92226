// libFuzzer target: the Swift RLE Lossless decoder. The first 4 bytes choose the geometry.
import DICOM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRLE(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 4 else { return 0 }
    let b = Array(UnsafeBufferPointer(start: data, count: size))
    let rows = Int(b[0]) + 1, columns = Int(b[1]) + 1
    let samples = b[2] & 1 == 0 ? 1 : 3
    let bits = [8, 16, 32][Int(b[3]) % 3]
    if let px = try? RLE.decode(Array(b[4...]), rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bits) {
        // Whatever decodes must re-encode and decode to itself.
        if let again = try? RLE.encode(px, rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bits) {
            let back = try? RLE.decode(again, rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bits)
            if back != px { fatalError("RLE round trip mismatch") }
        }
    }
    return 0
}
