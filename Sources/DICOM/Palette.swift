/// A Palette Color lookup table (PS3.3 C.7.6.3.1.5/6), normal or segmented.
public struct PaletteLUT: Sendable {
    public var red: [UInt16], green: [UInt16], blue: [UInt16]
    /// First stored value mapped (values below map to entry 0, above to the last entry).
    public var firstMapped: Int
    /// Bits per entry (8 or 16).
    public var bits: Int

    public init(_ ds: DataSet) throws {
        func descriptor(_ tag: Tag, _ name: String) throws -> (count: Int, first: Int, bits: Int) {
            guard let e = ds[tag], case .bytes(let b) = e.value, b.count >= 6 else { throw DICOMError.missingAttribute(name) }
            let v = DataSet.decode(b, width: 2) { Int(UInt16(truncatingIfNeeded: $0)) }
            // The first-mapped value is US or SS depending on Pixel Representation; entries 0 means 65536.
            let first = e.vr == .SS ? Int(Int16(truncatingIfNeeded: v[1])) : v[1]
            return (v[0] == 0 ? 65536 : v[0], first, v[2])
        }
        let r = try descriptor(.redPaletteDescriptor, "RedPaletteColorLookupTableDescriptor")
        let g = try descriptor(.greenPaletteDescriptor, "GreenPaletteColorLookupTableDescriptor")
        let b = try descriptor(.bluePaletteDescriptor, "BluePaletteColorLookupTableDescriptor")
        guard r.bits == 8 || r.bits == 16 else {
            throw DICOMError.invalidAttribute("RedPaletteColorLookupTableDescriptor", reason: "\(r.bits) bits per entry")
        }
        firstMapped = r.first
        bits = r.bits
        func table(_ data: Tag, _ segmented: Tag, _ d: (count: Int, first: Int, bits: Int), _ name: String) throws -> [UInt16] {
            if let raw = ds.bytes(data) {
                // 8-bit entries are sometimes packed two per 16-bit word.
                if d.bits == 8 && raw.count == d.count { return raw.map(UInt16.init) }
                let words = DataSet.decode(raw, width: 2) { UInt16(truncatingIfNeeded: $0) }
                guard words.count >= d.count else {
                    throw DICOMError.invalidAttribute(name, reason: "\(words.count) entries, descriptor says \(d.count)")
                }
                return Array(words.prefix(d.count))
            }
            if let raw = ds.bytes(segmented) {
                let words = DataSet.decode(raw, width: 2) { UInt16(truncatingIfNeeded: $0) }
                return try Self.expandSegments(words, count: d.count, name: name)
            }
            throw DICOMError.missingAttribute(name)
        }
        red = try table(.redPaletteData, .segmentedRedPaletteData, r, "RedPaletteColorLookupTableData")
        green = try table(.greenPaletteData, .segmentedGreenPaletteData, g, "GreenPaletteColorLookupTableData")
        blue = try table(.bluePaletteData, .segmentedBluePaletteData, b, "BluePaletteColorLookupTableData")
        guard !red.isEmpty, !green.isEmpty, !blue.isEmpty else {
            throw DICOMError.invalidAttribute("PaletteColorLookupTableData", reason: "empty")
        }
    }

    /// Segmented LUT (C.7.9.2): discrete (0), linear (1) and indirect (2) segments.
    static func expandSegments(_ w: [UInt16], count: Int, name: String) throws -> [UInt16] {
        var out: [UInt16] = []
        out.reserveCapacity(count)
        var segmentStarts: [Int] = []
        func expand(from start: Int, to stop: Int, depth: Int) throws {
            var i = start
            while i < stop {
                guard i + 1 < w.count else { throw DICOMError.invalidAttribute(name, reason: "segment header cut short") }
                let op = w[i], n = Int(w[i + 1])
                if depth == 0 { segmentStarts.append(i) }
                switch op {
                case 0:
                    guard i + 2 + n <= w.count else { throw DICOMError.invalidAttribute(name, reason: "discrete segment past end") }
                    out += w[(i + 2)..<(i + 2 + n)]
                    i += 2 + n
                case 1:
                    guard let y0 = out.last, i + 2 < w.count else {
                        throw DICOMError.invalidAttribute(name, reason: "linear segment without a start value")
                    }
                    let y1 = Double(w[i + 2])
                    for k in 1...max(1, n) {
                        out.append(UInt16(clamping: Int((Double(y0) + (y1 - Double(y0)) * Double(k) / Double(max(1, n))).rounded())))
                    }
                    i += 3
                case 2:
                    guard depth == 0, i + 3 < w.count else { throw DICOMError.invalidAttribute(name, reason: "bad indirect segment") }
                    let offset = Int(w[i + 2]) | Int(w[i + 3]) << 16
                    guard offset + n <= segmentStarts.count else {
                        throw DICOMError.invalidAttribute(name, reason: "indirect segment points past the table")
                    }
                    for s in 0..<n {
                        let a = segmentStarts[offset + s]
                        // Re-expand one segment; its length is known from its header.
                        let len = w[a] == 0 ? 2 + Int(w[a + 1]) : (w[a] == 1 ? 3 : 4)
                        try expand(from: a, to: a + len, depth: depth + 1)
                    }
                    i += 4
                default:
                    throw DICOMError.invalidAttribute(name, reason: "segment opcode \(op)")
                }
                guard out.count <= count else { throw DICOMError.invalidAttribute(name, reason: "segments expand past \(count) entries") }
            }
        }
        try expand(from: 0, to: w.count, depth: 0)
        return out
    }

    /// The table entry for a stored value (clamped to the table, as PS3.3 C.7.6.3.1.5 says).
    @inline(__always) public func index(_ v: Int) -> Int { max(0, min(red.count - 1, v - firstMapped)) }
}
