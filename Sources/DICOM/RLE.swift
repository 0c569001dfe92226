/// RLE Lossless (PS3.5 Annex G): one PackBits segment per byte plane, most significant byte first.
public enum RLE {
    /// Decodes one frame to interleaved little-endian samples.
    public static func decode(_ frame: [UInt8], rows: Int, columns: Int, samplesPerPixel: Int, bitsAllocated: Int) throws -> [UInt8] {
        guard frame.count >= 64 else { throw DICOMError.pixelData("RLE frame of \(frame.count) bytes has no 64-byte header") }
        let bytesPerSample = bitsAllocated / 8
        guard bytesPerSample >= 1 else { throw DICOMError.unsupported("RLE with \(bitsAllocated) bits allocated") }
        let segmentCount = Int(u32(frame, 0))
        let expected = samplesPerPixel * bytesPerSample
        guard segmentCount == expected else {
            throw DICOMError.pixelData("RLE header has \(segmentCount) segments, expected \(expected)")
        }
        let offsets = (0..<segmentCount).map { Int(u32(frame, 4 + 4 * $0)) }
        let pixels = rows * columns
        // PackBits expands at most 64:1; a frame claiming more than its bytes can hold is refused before allocating.
        guard pixels <= frame.count * 64 + 128 else {
            throw DICOMError.pixelData("RLE frame of \(frame.count) bytes cannot hold \(rows)×\(columns) pixels")
        }
        var out = [UInt8](repeating: 0, count: pixels * expected)
        try out.withUnsafeMutableBufferPointer { dst in
            for s in 0..<segmentCount {
                let start = offsets[s]
                let end = s + 1 < segmentCount ? offsets[s + 1] : frame.count
                guard start >= 64, start <= end, end <= frame.count else {
                    throw DICOMError.pixelData("RLE segment \(s) offset \(start) outside the frame")
                }
                // Segment s holds byte (bytesPerSample - 1 - s % bytesPerSample) of sample s / bytesPerSample.
                let sample = s / bytesPerSample
                let byteInSample = bytesPerSample - 1 - s % bytesPerSample
                let stride = expected
                let base = sample * bytesPerSample + byteInSample
                var written = 0
                var i = start
                while written < pixels && i < end {
                    let n = Int(Int8(bitPattern: frame[i]))
                    i += 1
                    if n >= 0 {
                        let count = min(n + 1, pixels - written, end - i)
                        for k in 0..<count { dst[base + (written + k) * stride] = frame[i + k] }
                        written += count
                        i += n + 1
                    } else if n != -128 {
                        guard i < end else { break }
                        let v = frame[i]
                        i += 1
                        let count = min(1 - n, pixels - written)
                        for k in 0..<count { dst[base + (written + k) * stride] = v }
                        written += count
                    }
                }
                guard written == pixels else {
                    throw DICOMError.pixelData("RLE segment \(s) decodes to \(written) of \(pixels) bytes")
                }
            }
        }
        return out
    }

    /// Encodes one frame of interleaved little-endian samples.
    public static func encode(_ pixels: [UInt8], rows: Int, columns: Int, samplesPerPixel: Int, bitsAllocated: Int) throws -> [UInt8] {
        let bytesPerSample = bitsAllocated / 8
        let segments = samplesPerPixel * bytesPerSample
        let n = rows * columns
        guard bytesPerSample >= 1, segments <= 15, pixels.count == n * segments else {
            throw DICOMError.invalidImage(
                "RLE input of \(pixels.count) bytes for \(rows)×\(columns)×\(samplesPerPixel) at \(bitsAllocated) bits")
        }
        var header = [UInt8](repeating: 0, count: 64)
        var body: [UInt8] = []
        put32(&header, 0, UInt32(segments))
        var plane = [UInt8](repeating: 0, count: n)
        for s in 0..<segments {
            put32(&header, 4 + 4 * s, UInt32(64 + body.count))
            let sample = s / bytesPerSample, byteInSample = bytesPerSample - 1 - s % bytesPerSample
            for p in 0..<n { plane[p] = pixels[p * segments + sample * bytesPerSample + byteInSample] }
            packBits(plane, into: &body)
            if body.count % 2 == 1 { body.append(0) }  // segments start on even offsets
        }
        return header + body
    }

    /// PackBits, one row of the plane at a time is not required by DICOM; runs may span rows.
    static func packBits(_ src: [UInt8], into out: inout [UInt8]) {
        var i = 0
        let n = src.count
        while i < n {
            var run = 1
            while i + run < n && run < 128 && src[i + run] == src[i] { run += 1 }
            if run >= 2 {
                out.append(UInt8(bitPattern: Int8(1 - run)))
                out.append(src[i])
                i += run
                continue
            }
            // Literal: until a run of 2+ starts or 128 bytes.
            var lit = 1
            while i + lit < n && lit < 128 && !(i + lit + 1 < n && src[i + lit] == src[i + lit + 1]) { lit += 1 }
            out.append(UInt8(lit - 1))
            out.append(contentsOf: src[i..<(i + lit)])
            i += lit
        }
    }

    private static func u32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    private static func put32(_ b: inout [UInt8], _ o: Int, _ v: UInt32) {
        for k in 0..<4 { b[o + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
    }
}
