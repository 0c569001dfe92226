import CZlib

enum Deflate {
    /// Inflates a raw deflate stream (no zlib header, as Deflated Explicit VR Little Endian uses).
    /// Output is capped at `limit` bytes so a small file cannot demand a huge allocation.
    static func inflateRaw(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DICOMError.malformed(offset: 0, context: "zlib init failed")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = uInt(inBuf.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = uInt(c.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return c.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && produced > 0) else {
                    if status == Z_BUF_ERROR {
                        throw DICOMError.truncated(offset: Int(stream.total_in), context: "deflated data set ends early")
                    }
                    throw DICOMError.malformed(offset: Int(stream.total_in), context: "deflated data set: zlib status \(status)")
                }
                out.append(contentsOf: chunk[0..<produced])
                guard out.count <= limit else {
                    throw DICOMError.malformed(offset: Int(stream.total_in), context: "deflated data set inflates past \(limit) bytes")
                }
                if stream.avail_in == 0 && status != Z_STREAM_END && produced == 0 {
                    throw DICOMError.truncated(offset: Int(stream.total_in), context: "deflated data set ends early")
                }
            } while status != Z_STREAM_END && !(stream.avail_in == 0 && stream.avail_out != 0)
        }
        guard status == Z_STREAM_END else {
            throw DICOMError.truncated(offset: Int(stream.total_in), context: "deflated data set ends before its end-of-stream marker")
        }
        return out
    }

    /// Raw deflate, for writing deflated files and in tests.
    static func deflateRaw(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        guard
            deflateInit2_(&stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
                == Z_OK
        else {
            throw DICOMError.malformed(offset: 0, context: "zlib init failed")
        }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 16)
        var input = input
        let written: Int = input.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = i.baseAddress
                stream.avail_in = uInt(i.count)
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(o.count)
                _ = deflate(&stream, Z_FINISH)
                return o.count - Int(stream.avail_out)
            }
        }
        return Array(out[0..<written])
    }
}
