// Lossless JPEG (ITU-T T.81 Annex H, DICOM process 14 and its selection value 1 subset),
// decoded in Swift because Debian's libjpeg-turbo 2.1 has no lossless support.

public enum JPEGLossless {
    /// Output samples per input byte a Huffman-coded lossless stream can describe: each sample
    /// costs at least one bit.
    static let maxSamplesPerByte = 8

    /// Decodes a lossless (SOF3) stream: any predictor 1–7, point transform, 2–16-bit samples,
    /// one or more components in interleaved or separate scans, restart intervals.
    /// Samples are returned as stored (no colour conversion), unsigned, interleaved by pixel;
    /// more than 8 bits take two little-endian bytes.
    public static func decode(_ stream: [UInt8]) throws -> CodecImage {
        var reader = JPEGSegmentReader(stream)
        try reader.readSOI()
        var tables = JPEGTables()
        var frame: JPEGFrameHeader?
        // All components' samples, plane after plane.
        var planes: [Int32] = []
        var decoded: [Bool] = []
        scanning: while true {
            let segment = try reader.next()
            switch segment.marker {
            case JPEGMarker.dht: try tables.readDHT(segment, in: stream)
            case JPEGMarker.dri: try tables.readDRI(segment, in: stream)
            case JPEGMarker.eoi: break scanning
            case JPEGMarker.dac: throw CodecError.unsupported("JPEG lossless: arithmetic coding")
            case JPEGMarker.sos:
                guard let frame else { throw CodecError.corrupt("JPEG lossless: scan before the frame header") }
                let scan = try JPEGScanHeader(segment: segment, in: stream)
                var scanDecoder = try LosslessScan(frame: frame, scan: scan, tables: tables)
                reader.offset = try scanDecoder.decode(stream, from: segment.end, into: &planes)
                for index in scanDecoder.componentIndices { decoded[index] = true }
            default:
                if JPEGMarker.isSOF(segment.marker) {
                    guard frame == nil else { throw CodecError.corrupt("JPEG lossless: more than one frame header") }
                    guard segment.marker == 0xC3 else {
                        throw CodecError.unsupported("JPEG lossless decoder given SOF marker 0xFF\(hex(segment.marker))")
                    }
                    let header = try JPEGFrameHeader(segment: segment, in: stream)
                    guard header.components.allSatisfy({ $0.h == 1 && $0.v == 1 }) else {
                        throw CodecError.unsupported("JPEG lossless: subsampled components")
                    }
                    try DecodeBudget.check(
                        width: header.width, height: header.height, components: header.components.count,
                        bytesPerSample: header.precision > 8 ? 2 : 1, streamCount: stream.count,
                        maxSamplesPerByte: maxSamplesPerByte, codec: "JPEG lossless")
                    planes = [Int32](repeating: 0, count: header.width * header.height * header.components.count)
                    decoded = Array(repeating: false, count: header.components.count)
                    frame = header
                }
            }
        }
        guard let frame else { throw CodecError.corrupt("JPEG lossless: no frame header") }
        guard decoded.allSatisfy({ $0 }) else { throw CodecError.corrupt("JPEG lossless: a component has no scan") }
        return interleave(planes, frame: frame)
    }

    private static func interleave(_ planes: [Int32], frame: JPEGFrameHeader) -> CodecImage {
        let n = frame.components.count, pixels = frame.width * frame.height
        let wide = frame.precision > 8
        var data = [UInt8](repeating: 0, count: pixels * n * (wide ? 2 : 1))
        data.withUnsafeMutableBufferPointer { out in
            planes.withUnsafeBufferPointer { all in
                for c in 0..<n {
                    for i in 0..<pixels {
                        let v = all[c * pixels + i]
                        if wide {
                            out[2 * (i * n + c)] = UInt8(truncatingIfNeeded: v)
                            out[2 * (i * n + c) + 1] = UInt8(truncatingIfNeeded: v >> 8)
                        } else {
                            out[i * n + c] = UInt8(truncatingIfNeeded: v)
                        }
                    }
                }
            }
        }
        return CodecImage(
            width: frame.width, height: frame.height, components: n, bitsPerSample: frame.precision,
            bytesPerSample: wide ? 2 : 1, isSigned: false, data: data,
            colorSpace: n == 1 ? .gray : .rgb)
    }
}

/// One lossless scan: the components it covers, their tables, the predictor and point
/// transform.
private struct LosslessScan {
    let width: Int
    let height: Int
    let precision: Int
    let predictor: Int
    let pointTransform: Int
    let restartInterval: Int
    let componentIndices: [Int]
    let tables: [JPEGHuffmanTable]

    init(frame: JPEGFrameHeader, scan: JPEGScanHeader, tables: JPEGTables) throws {
        width = frame.width
        height = frame.height
        precision = frame.precision
        predictor = scan.ss
        pointTransform = scan.al
        restartInterval = tables.restartInterval
        guard (1...7).contains(predictor) else {
            throw CodecError.corrupt("JPEG lossless: predictor selection value \(predictor) (1...7 allowed)")
        }
        guard pointTransform < precision else {
            throw CodecError.corrupt("JPEG lossless: point transform \(pointTransform) for \(precision)-bit samples")
        }
        var indices: [Int] = []
        var huffman: [JPEGHuffmanTable] = []
        for component in scan.components {
            guard let index = frame.components.firstIndex(where: { $0.id == component.id }) else {
                throw CodecError.corrupt("JPEG lossless: scan names unknown component \(component.id)")
            }
            guard component.dcTable < 4, let table = tables.dc[component.dcTable] else {
                throw CodecError.corrupt("JPEG lossless: component \(component.id) uses undefined Huffman table \(component.dcTable)")
            }
            indices.append(index)
            huffman.append(table)
        }
        componentIndices = indices
        self.tables = huffman
    }

    /// Decodes the scan's entropy-coded data starting at `start`; returns the offset of the
    /// marker that follows it.
    mutating func decode(_ stream: [UInt8], from start: Int, into planes: inout [Int32]) throws -> Int {
        var bits = JPEGBitReader(stream, at: start)
        let n = componentIndices.count
        let initial = Int32(1) << Int32(precision - pointTransform - 1)
        var mcusLeft = restartInterval
        var nextRestart = 0
        // The first sample of the image, and of each restart interval, is predicted from the
        // default value; the rest of that row from its left neighbour (T.81 H.1.2.1).
        var resetPending = true
        var resetRow = 0
        let pixels = width * height
        guard let highest = componentIndices.max(), planes.count >= (highest + 1) * pixels else {
            throw CodecError.corrupt("JPEG lossless: scan components outside the frame")
        }
        try planes.withUnsafeMutableBufferPointer { all in
            guard let base = all.baseAddress else { throw CodecError.corrupt("JPEG lossless: empty frame") }
            // Each scan component's plane: the loop below runs once per sample.
            let scanPlanes = componentIndices.map { base + $0 * pixels }
            for y in 0..<height {
                for x in 0..<width {
                    if restartInterval > 0 {
                        if mcusLeft == 0 {
                            try bits.consumeRestart(expected: nextRestart)
                            nextRestart = (nextRestart + 1) & 7
                            mcusLeft = restartInterval
                            resetPending = true
                        }
                        mcusLeft -= 1
                    }
                    let isFirst = resetPending
                    if resetPending { resetRow = y; resetPending = false }
                    let i = y * width + x
                    for c in 0..<n {
                        let category = try tables[c].decode(&bits)
                        let difference: Int32
                        switch category {
                        case 0: difference = 0
                        case 1...15: difference = Int32(bits.receiveExtend(category))
                        case 16: difference = 32768
                        default: throw CodecError.corrupt("JPEG lossless: difference category \(category)")
                        }
                        let p = scanPlanes[c]
                        let prediction: Int32
                        if isFirst {
                            prediction = initial
                        } else if y == resetRow {
                            prediction = p[i - 1]
                        } else if x == 0 {
                            prediction = p[i - width]
                        } else {
                            let ra = p[i - 1], rb = p[i - width], rc = p[i - width - 1]
                            switch predictor {
                            case 1: prediction = ra
                            case 2: prediction = rb
                            case 3: prediction = rc
                            case 4: prediction = ra + rb - rc
                            case 5: prediction = ra + ((rb - rc) >> 1)
                            case 6: prediction = rb + ((ra - rc) >> 1)
                            default: prediction = (ra + rb) >> 1
                            }
                        }
                        p[i] = (prediction + difference) & 0xFFFF
                    }
                }
                if bits.overran { throw CodecError.corrupt("JPEG lossless: entropy-coded data ends at row \(y) of \(height)") }
            }
            if pointTransform > 0 {
                for p in scanPlanes {
                    for i in 0..<pixels { p[i] = (p[i] << Int32(pointTransform)) & 0xFFFF }
                }
            }
        }
        return try bits.endOfSegment()
    }
}
