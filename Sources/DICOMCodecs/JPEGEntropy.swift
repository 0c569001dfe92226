// Huffman tables and the entropy-coded-segment bit reader shared by the Swift JPEG decoders
// (lossless process 14 and 12-bit DCT).

/// A Huffman table from a DHT segment, with a 9-bit lookahead for the common short codes.
struct JPEGHuffmanTable {
    static let lookaheadBits = 9
    /// For each 9-bit prefix: code length (0 = longer than 9 bits) and symbol.
    private var fastLength: [UInt8]
    private var fastSymbol: [UInt8]
    /// maxCode[l]: largest code of length l (or -1); valueOffset[l]: index of its first symbol.
    private var maxCode: [Int32]
    private var valueOffset: [Int32]
    private var symbols: [UInt8]

    /// `counts[i]` codes of length i + 1, followed by their symbols, as in T.81 B.2.4.2.
    init(counts: [UInt8], symbols: [UInt8]) throws {
        guard counts.count == 16, counts.reduce(0, { $0 + Int($1) }) == symbols.count, symbols.count <= 256 else {
            throw CodecError.corrupt("JPEG: Huffman table counts disagree with its symbols")
        }
        self.symbols = symbols
        fastLength = [UInt8](repeating: 0, count: 1 << Self.lookaheadBits)
        fastSymbol = [UInt8](repeating: 0, count: 1 << Self.lookaheadBits)
        maxCode = [Int32](repeating: -1, count: 18)
        valueOffset = [Int32](repeating: 0, count: 18)
        var code: Int32 = 0
        var k = 0
        for length in 1...16 {
            let n = Int(counts[length - 1])
            if n > 0 {
                valueOffset[length] = Int32(k) - code
                for _ in 0..<n {
                    guard code < (Int32(1) << length) else { throw CodecError.corrupt("JPEG: Huffman table overflows its code space") }
                    if length <= Self.lookaheadBits {
                        let shift = Self.lookaheadBits - length
                        for fill in 0..<(1 << shift) {
                            let slot = Int(code) << shift | fill
                            fastLength[slot] = UInt8(length)
                            fastSymbol[slot] = symbols[k]
                        }
                    }
                    code += 1
                    k += 1
                }
                maxCode[length] = code - 1
            }
            code <<= 1
        }
        maxCode[17] = Int32.max  // sentinel: no code is longer than 16 bits
    }

    /// Decodes one symbol.
    @inline(__always)
    func decode(_ bits: inout JPEGBitReader) throws -> Int {
        let peek = Int(bits.peek(Self.lookaheadBits))
        let length = Int(fastLength[peek])
        if length > 0 {
            bits.skip(length)
            return Int(fastSymbol[peek])
        }
        var code = Int32(bits.peek(Self.lookaheadBits))
        bits.skip(Self.lookaheadBits)
        var l = Self.lookaheadBits
        while true {
            if code <= maxCode[l] && maxCode[l] >= 0 {
                let index = Int(code + valueOffset[l])
                guard index >= 0, index < symbols.count else { break }
                return Int(symbols[index])
            }
            l += 1
            if l > 16 { break }
            code = code << 1 | Int32(bits.read(1))
        }
        throw CodecError.corrupt("JPEG: invalid Huffman code")
    }
}

/// Reads bits from an entropy-coded segment, removing stuffed zero bytes. At a marker (or the
/// end of the data) it feeds zero bits, and remembers how many, so that a decoder can tell a
/// stream that really ended early from one that merely ends on a padded byte.
struct JPEGBitReader {
    private let bytes: [UInt8]
    private(set) var position: Int
    private var buffer: UInt64 = 0
    private var count = 0
    /// Zero bits appended past the data, still in the buffer (they are its lowest bits).
    private var padding = 0
    /// Set once any padding bit has been consumed: the decoder read past the segment.
    private(set) var overran = false

    init(_ bytes: [UInt8], at position: Int) {
        self.bytes = bytes
        self.position = position
    }

    @inline(__always)
    private mutating func fill() {
        while count <= 56 {
            var byte: UInt8 = 0
            if padding == 0, position < bytes.count {
                byte = bytes[position]
                if byte == 0xFF {
                    let next = position + 1 < bytes.count ? bytes[position + 1] : 0xD9
                    if next == 0x00 {
                        position += 2
                    } else {
                        // A marker: stop here and pad.
                        padding += 8
                        byte = 0
                    }
                } else {
                    position += 1
                }
            } else {
                padding += 8
            }
            buffer |= UInt64(byte) << UInt64(56 - count)
            count += 8
        }
    }

    @inline(__always)
    mutating func peek(_ n: Int) -> UInt32 {
        if count < n { fill() }
        return UInt32(truncatingIfNeeded: buffer >> UInt64(64 - n))
    }

    @inline(__always)
    mutating func skip(_ n: Int) {
        if count < n { fill() }
        buffer <<= UInt64(n)
        count -= n
        if count < padding {
            overran = true
            padding = count
        }
    }

    @inline(__always)
    mutating func read(_ n: Int) -> Int {
        guard n > 0 else { return 0 }
        let value = Int(peek(n))
        skip(n)
        return value
    }

    /// Reads `n` bits and applies T.81's EXTEND: the signed value of an n-bit magnitude code.
    @inline(__always)
    mutating func receiveExtend(_ n: Int) -> Int {
        guard n > 0 else { return 0 }
        let value = read(n)
        return value < (1 << (n - 1)) ? value - (1 << n) + 1 : value
    }

    /// Discards buffered bits and expects RSTn (`expected` = n) at the byte position; returns
    /// the reader positioned after it. Throws if the marker is missing or the data ran out.
    mutating func consumeRestart(expected: Int) throws {
        guard !overran else { throw CodecError.corrupt("JPEG: entropy-coded data ends before a restart marker") }
        buffer = 0
        count = 0
        padding = 0
        var p = position
        while p < bytes.count, bytes[p] == 0xFF, p + 1 < bytes.count, bytes[p + 1] == 0xFF { p += 1 }
        guard p + 1 < bytes.count, bytes[p] == 0xFF, bytes[p + 1] == 0xD0 + UInt8(expected) else {
            throw CodecError.corrupt("JPEG: expected restart marker RST\(expected) at offset \(p)")
        }
        position = p + 2
    }

    /// Offset of the first byte after the entropy-coded data consumed so far (the next marker).
    func endOfSegment() throws -> Int {
        guard !overran else { throw CodecError.corrupt("JPEG: entropy-coded data is truncated") }
        var p = position
        // Skip to the marker that ended the segment.
        while p + 1 < bytes.count, !(bytes[p] == 0xFF && bytes[p + 1] != 0 && !(0xD0...0xD7).contains(bytes[p + 1])) { p += 1 }
        return p
    }
}

/// The tables a scan decoder needs, gathered while walking markers.
struct JPEGTables {
    var dc = [JPEGHuffmanTable?](repeating: nil, count: 4)
    var ac = [JPEGHuffmanTable?](repeating: nil, count: 4)
    var quant = [[Int32]?](repeating: nil, count: 4)
    var restartInterval = 0

    mutating func readDHT(_ segment: JPEGSegment, in bytes: [UInt8]) throws {
        var p = segment.payload.lowerBound
        while p < segment.payload.upperBound {
            guard p + 17 <= segment.payload.upperBound else { throw CodecError.corrupt("JPEG: DHT segment too short") }
            let tableClass = Int(bytes[p] >> 4), id = Int(bytes[p] & 15)
            guard tableClass <= 1, id <= 3 else { throw CodecError.corrupt("JPEG: DHT class \(tableClass) id \(id)") }
            let counts = Array(bytes[(p + 1)..<(p + 17)])
            let n = counts.reduce(0) { $0 + Int($1) }
            guard p + 17 + n <= segment.payload.upperBound else { throw CodecError.corrupt("JPEG: DHT symbols run past the segment") }
            let table = try JPEGHuffmanTable(counts: counts, symbols: Array(bytes[(p + 17)..<(p + 17 + n)]))
            if tableClass == 0 { dc[id] = table } else { ac[id] = table }
            p += 17 + n
        }
    }

    mutating func readDQT(_ segment: JPEGSegment, in bytes: [UInt8]) throws {
        var p = segment.payload.lowerBound
        while p < segment.payload.upperBound {
            let precision = Int(bytes[p] >> 4), id = Int(bytes[p] & 15)
            guard precision <= 1, id <= 3 else { throw CodecError.corrupt("JPEG: DQT precision \(precision) id \(id)") }
            let size = precision == 0 ? 64 : 128
            guard p + 1 + size <= segment.payload.upperBound else { throw CodecError.corrupt("JPEG: DQT segment too short") }
            var table = [Int32](repeating: 0, count: 64)
            for k in 0..<64 {
                table[k] =
                    precision == 0
                    ? Int32(bytes[p + 1 + k])
                    : Int32(bytes[p + 1 + 2 * k]) << 8 | Int32(bytes[p + 2 + 2 * k])
            }
            quant[id] = table
            p += 1 + size
        }
    }

    mutating func readDRI(_ segment: JPEGSegment, in bytes: [UInt8]) throws {
        guard segment.payload.count >= 2 else { throw CodecError.corrupt("JPEG: DRI segment too short") }
        restartInterval = Int(bytes[segment.payload.lowerBound]) << 8 | Int(bytes[segment.payload.lowerBound + 1])
    }
}
