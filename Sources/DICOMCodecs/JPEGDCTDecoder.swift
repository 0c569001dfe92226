// Sequential DCT decoding (T.81 processes 1, 2 and 4: baseline and extended, Huffman) in
// Swift, used for 12-bit streams: Debian's libjpeg-turbo 2.1 TurboJPEG API is 8-bit only.
// The inverse DCT is the IJG "islow" integer algorithm, so output matches libjpeg (and dcmtk's
// dcmdjpeg) sample for sample.

enum JPEGDCTDecoder {
    static func decode(_ stream: [UInt8], colorTransform: JPEGColorOutput) throws -> CodecImage {
        let info = try JPEG.info(stream)
        guard info.process == .baseline || info.process == .extended, !info.isArithmetic else {
            // 12-bit progressive and arithmetic streams: neither libjpeg-turbo 2.1's TurboJPEG
            // API nor this decoder handles them.
            throw CodecError.unsupported("JPEG: \(info.precision)-bit \(info.process) streams are not supported")
        }
        var reader = JPEGSegmentReader(stream)
        try reader.readSOI()
        var tables = JPEGTables()
        var frame: SequentialFrame?
        scanning: while true {
            let segment = try reader.next()
            switch segment.marker {
            case JPEGMarker.dht: try tables.readDHT(segment, in: stream)
            case JPEGMarker.dqt: try tables.readDQT(segment, in: stream)
            case JPEGMarker.dri: try tables.readDRI(segment, in: stream)
            case JPEGMarker.eoi: break scanning
            case JPEGMarker.sos:
                guard frame != nil else { throw CodecError.corrupt("JPEG: scan before the frame header") }
                let scan = try JPEGScanHeader(segment: segment, in: stream)
                reader.offset = try frame!.decodeScan(scan, tables: tables, stream: stream, from: segment.end)
            default:
                if JPEGMarker.isSOF(segment.marker) {
                    guard frame == nil else { throw CodecError.corrupt("JPEG: more than one frame header") }
                    frame = try SequentialFrame(try JPEGFrameHeader(segment: segment, in: stream))
                }
            }
        }
        guard let frame else { throw CodecError.corrupt("JPEG: no frame header") }
        guard frame.scanned.allSatisfy({ $0 }) else { throw CodecError.corrupt("JPEG: a component has no scan") }
        return try frame.image(tables: tables, storedIsYCbCr: info.isYCbCrPerLibjpeg, convert: colorTransform == .rgb)
    }
}

/// Quantized coefficients of a whole frame, filled scan by scan.
private struct SequentialFrame {
    let header: JPEGFrameHeader
    let hMax: Int, vMax: Int
    let mcusX: Int, mcusY: Int
    /// Per component: blocks across and down (whole MCUs), and 64 coefficients per block.
    var blocksX: [Int], blocksY: [Int]
    var coefficients: [[Int32]]
    var scanned: [Bool]

    init(_ header: JPEGFrameHeader) throws {
        self.header = header
        let hMax = header.components.map(\.h).max() ?? 1
        let vMax = header.components.map(\.v).max() ?? 1
        let mcusX = (header.width + 8 * hMax - 1) / (8 * hMax)
        let mcusY = (header.height + 8 * vMax - 1) / (8 * vMax)
        let blocksX = header.components.map { mcusX * $0.h }
        let blocksY = header.components.map { mcusY * $0.v }
        (self.hMax, self.vMax, self.mcusX, self.mcusY, self.blocksX, self.blocksY) = (hMax, vMax, mcusX, mcusY, blocksX, blocksY)
        let blocks = zip(blocksX, blocksY).map { $0 * $1 }
        coefficients = blocks.map { [Int32](repeating: 0, count: $0 * 64) }
        scanned = Array(repeating: false, count: header.components.count)
    }

    /// Decodes one scan; returns the offset of the marker after its entropy-coded data.
    mutating func decodeScan(_ scan: JPEGScanHeader, tables: JPEGTables, stream: [UInt8], from start: Int) throws -> Int {
        var indices: [Int] = []
        var dc: [JPEGHuffmanTable] = [], ac: [JPEGHuffmanTable] = []
        for component in scan.components {
            guard let index = header.components.firstIndex(where: { $0.id == component.id }) else {
                throw CodecError.corrupt("JPEG: scan names unknown component \(component.id)")
            }
            guard component.dcTable < 4, component.acTable < 4, let d = tables.dc[component.dcTable], let a = tables.ac[component.acTable]
            else {
                throw CodecError.corrupt("JPEG: component \(component.id) uses an undefined Huffman table")
            }
            indices.append(index); dc.append(d); ac.append(a)
            scanned[index] = true
        }
        // Ss/Se/Ah/Al are fixed for sequential scans; like libjpeg, tolerate writers that get
        // them wrong (JPEG-lossy.dcm has Se = 0) instead of refusing the frame.
        var bits = JPEGBitReader(stream, at: start)
        var predictions = [Int](repeating: 0, count: indices.count)
        let interleaved = indices.count > 1
        // A lone component is coded block by block over its own (unpadded) extent.
        let single = indices[0]
        let singleW = (header.width * header.components[single].h + hMax - 1) / hMax
        let singleH = (header.height * header.components[single].v + vMax - 1) / vMax
        let unitsX = interleaved ? mcusX : (singleW + 7) / 8
        let unitsY = interleaved ? mcusY : (singleH + 7) / 8
        var left = tables.restartInterval
        var nextRestart = 0
        var block = [Int32](repeating: 0, count: 64)
        for unitY in 0..<unitsY {
            for unitX in 0..<unitsX {
                if tables.restartInterval > 0 {
                    if left == 0 {
                        try bits.consumeRestart(expected: nextRestart)
                        nextRestart = (nextRestart + 1) & 7
                        left = tables.restartInterval
                        for i in predictions.indices { predictions[i] = 0 }
                    }
                    left -= 1
                }
                for (c, index) in indices.enumerated() {
                    let comp = header.components[index]
                    let (bw, bh) = interleaved ? (comp.h, comp.v) : (1, 1)
                    for by in 0..<bh {
                        for bx in 0..<bw {
                            try Self.decodeBlock(&bits, dc: dc[c], ac: ac[c], prediction: &predictions[c], into: &block)
                            let x = unitX * bw + bx, y = unitY * bh + by
                            let base = (y * blocksX[index] + x) * 64
                            coefficients[index].withUnsafeMutableBufferPointer { out in
                                for k in 0..<64 { out[base + k] = block[k] }
                            }
                        }
                    }
                }
            }
            if bits.overran { throw CodecError.corrupt("JPEG: entropy-coded data ends at MCU row \(unitY) of \(unitsY)") }
        }
        return try bits.endOfSegment()
    }

    /// One 8×8 block, coefficients in natural (row-major) order.
    @inline(__always)
    static func decodeBlock(
        _ bits: inout JPEGBitReader, dc: JPEGHuffmanTable, ac: JPEGHuffmanTable,
        prediction: inout Int, into block: inout [Int32]
    ) throws {
        for k in 0..<64 { block[k] = 0 }
        let t = try dc.decode(&bits)
        guard t <= 16 else { throw CodecError.corrupt("JPEG: DC difference category \(t)") }
        prediction += bits.receiveExtend(t)
        block[0] = Int32(truncatingIfNeeded: prediction)
        var k = 1
        while k < 64 {
            let rs = try ac.decode(&bits)
            let run = rs >> 4, size = rs & 15
            if size == 0 {
                if run != 15 { break }
                k += 16
                continue
            }
            k += run
            guard k < 64 else { throw CodecError.corrupt("JPEG: AC run past the end of a block") }
            block[zigzag[k]] = Int32(bits.receiveExtend(size))
            k += 1
        }
    }

    /// Dequantizes, inverse-transforms, upsamples and interleaves the components.
    /// `storedIsYCbCr`: libjpeg's reading of the markers; `convert`: the caller asked for RGB.
    func image(tables: JPEGTables, storedIsYCbCr: Bool, convert: Bool) throws -> CodecImage {
        let ycbcrToRGB = storedIsYCbCr && convert
        let precision = header.precision
        let maxValue = (1 << precision) - 1
        let n = header.components.count
        var planes: [[UInt16]] = []
        for (index, comp) in header.components.enumerated() {
            guard comp.quantTable < 4, let quant = tables.quant[comp.quantTable] else {
                throw CodecError.corrupt("JPEG: component \(comp.id) uses undefined quantization table \(comp.quantTable)")
            }
            let stride = blocksX[index] * 8
            var plane = [UInt16](repeating: 0, count: stride * blocksY[index] * 8)
            var block = [Int](repeating: 0, count: 64)
            var out = [Int](repeating: 0, count: 64)
            for by in 0..<blocksY[index] {
                for bx in 0..<blocksX[index] {
                    let base = (by * blocksX[index] + bx) * 64
                    // Valid 12-bit coefficients stay below 2^15 in magnitude; clamping damaged ones
                    // keeps the fixed-point IDCT far from Int overflow (which would trap).
                    for k in 0..<64 {
                        let coefficient = min(max(Int(coefficients[index][base + k]), -(1 << 16)), 1 << 16)
                        block[k] = coefficient * Int(quant[zigzagInverseIndex[k]])
                    }
                    IDCT.islow(block, precision: precision, into: &out)
                    for y in 0..<8 {
                        for x in 0..<8 { plane[(by * 8 + y) * stride + bx * 8 + x] = UInt16(min(max(out[y * 8 + x], 0), maxValue)) }
                    }
                }
            }
            planes.append(plane)
        }
        let w = header.width, h = header.height
        let wide = precision > 8
        var data = [UInt8](repeating: 0, count: w * h * n * (wide ? 2 : 1))
        var pixel = [Int](repeating: 0, count: n)
        for y in 0..<h {
            for x in 0..<w {
                for (c, comp) in header.components.enumerated() {
                    // Replicating upsampling (libjpeg's "fancy" triangle filter is not reproduced).
                    let sx = x * comp.h / hMax, sy = y * comp.v / vMax
                    pixel[c] = Int(planes[c][sy * blocksX[c] * 8 + sx])
                }
                if ycbcrToRGB && n == 3 { pixel = Self.rgb(fromYCbCr: pixel, maxValue: maxValue) }
                for c in 0..<n {
                    let i = (y * w + x) * n + c
                    if wide {
                        data[2 * i] = UInt8(truncatingIfNeeded: pixel[c])
                        data[2 * i + 1] = UInt8(truncatingIfNeeded: pixel[c] >> 8)
                    } else {
                        data[i] = UInt8(truncatingIfNeeded: pixel[c])
                    }
                }
            }
        }
        let space: CodecColorSpace = n == 1 ? .gray : (storedIsYCbCr && !convert ? .ybrFull : .rgb)
        return CodecImage(
            width: w, height: h, components: n, bitsPerSample: precision, bytesPerSample: wide ? 2 : 1,
            isSigned: false, data: data, colorSpace: space)
    }

    /// JFIF YCbCr → RGB (T.871), centred on half the sample range.
    static func rgb(fromYCbCr p: [Int], maxValue: Int) -> [Int] {
        let center = Double(maxValue + 1) / 2
        let y = Double(p[0]), cb = Double(p[1]) - center, cr = Double(p[2]) - center
        let values = [y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb]
        return values.map { min(max(Int($0.rounded()), 0), maxValue) }
    }
}

/// Zig-zag position k → natural (row-major) index.
let zigzag: [Int] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63
]
/// Natural index → zig-zag position (DQT tables are stored in zig-zag order).
let zigzagInverseIndex: [Int] = {
    var inverse = [Int](repeating: 0, count: 64)
    for (k, natural) in zigzag.enumerated() { inverse[natural] = k }
    return inverse
}()

/// The IJG accurate integer inverse DCT (jidctint.c's islow: Loeffler–Ligtenberg–Moschytz
/// with 13-bit fixed-point constants), so results equal libjpeg's.
enum IDCT {
    private static let constBits = 13
    private static let fix0_298631336 = 2446, fix0_390180644 = 3196, fix0_541196100 = 4433
    private static let fix0_765366865 = 6270, fix0_899976223 = 7373, fix1_175875602 = 9633
    private static let fix1_501321110 = 12299, fix1_847759065 = 15137, fix1_961570560 = 16069
    private static let fix2_053119869 = 16819, fix2_562915447 = 20995, fix3_072711026 = 25172

    @inline(__always)
    private static func descale(_ x: Int, _ n: Int) -> Int { (x + (1 << (n - 1))) >> n }

    /// `input`: dequantized coefficients, natural order. `output`: samples, level-shifted back
    /// (centred on 2^(precision-1)), not yet clamped.
    static func islow(_ input: [Int], precision: Int, into output: inout [Int]) {
        let pass1Bits = precision == 8 ? 2 : 1
        var ws = [Int](repeating: 0, count: 64)
        for col in 0..<8 {
            let (t0, t1, t2, t3, t4, t5, t6, t7) = butterfly(
                input[col], input[8 + col], input[16 + col], input[24 + col],
                input[32 + col], input[40 + col], input[48 + col], input[56 + col],
                inputShift: constBits)
            let n = constBits - pass1Bits
            ws[col] = descale(t0, n); ws[56 + col] = descale(t7, n)
            ws[8 + col] = descale(t1, n); ws[48 + col] = descale(t6, n)
            ws[16 + col] = descale(t2, n); ws[40 + col] = descale(t5, n)
            ws[24 + col] = descale(t3, n); ws[32 + col] = descale(t4, n)
        }
        let center = 1 << (precision - 1)
        for row in 0..<8 {
            let r = row * 8
            let (t0, t1, t2, t3, t4, t5, t6, t7) = butterfly(
                ws[r], ws[r + 1], ws[r + 2], ws[r + 3], ws[r + 4], ws[r + 5], ws[r + 6], ws[r + 7],
                inputShift: constBits)
            let n = constBits + pass1Bits + 3
            output[r] = descale(t0, n) + center; output[r + 7] = descale(t7, n) + center
            output[r + 1] = descale(t1, n) + center; output[r + 6] = descale(t6, n) + center
            output[r + 2] = descale(t2, n) + center; output[r + 5] = descale(t5, n) + center
            output[r + 3] = descale(t3, n) + center; output[r + 4] = descale(t4, n) + center
        }
    }

    /// One 8-point pass; returns outputs 0...7, each scaled by 2^constBits.
    @inline(__always)
    private static func butterfly(
        _ i0: Int, _ i1: Int, _ i2: Int, _ i3: Int, _ i4: Int, _ i5: Int, _ i6: Int, _ i7: Int,
        inputShift: Int
    ) -> (Int, Int, Int, Int, Int, Int, Int, Int) {
        // Even part.
        var z1 = (i2 + i6) * fix0_541196100
        let e2 = z1 - i6 * fix1_847759065
        let e3 = z1 + i2 * fix0_765366865
        let e0 = (i0 + i4) << inputShift
        let e1 = (i0 - i4) << inputShift
        let tmp10 = e0 + e3, tmp13 = e0 - e3, tmp11 = e1 + e2, tmp12 = e1 - e2
        // Odd part.
        var o0 = i7, o1 = i5, o2 = i3, o3 = i1
        z1 = o0 + o3
        var z2 = o1 + o2, z3 = o0 + o2, z4 = o1 + o3
        let z5 = (z3 + z4) * fix1_175875602
        o0 *= fix0_298631336; o1 *= fix2_053119869; o2 *= fix3_072711026; o3 *= fix1_501321110
        z1 *= -fix0_899976223; z2 *= -fix2_562915447; z3 *= -fix1_961570560; z4 *= -fix0_390180644
        z3 += z5; z4 += z5
        o0 += z1 + z3; o1 += z2 + z4; o2 += z2 + z3; o3 += z1 + z4
        return (tmp10 + o3, tmp11 + o2, tmp12 + o1, tmp13 + o0, tmp13 - o0, tmp12 - o1, tmp11 - o2, tmp10 - o3)
    }
}
