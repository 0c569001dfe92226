import Foundation

/// An ordered collection of data elements (a file's data set, its meta group, or a sequence item).
public struct DataSet: Sendable {
    public private(set) var elements: [DataElement] = []
    /// Positions by tag, built only when tags arrive out of ascending order (rare in real files);
    /// otherwise lookups binary-search `elements`, which saves a hash insert per parsed element.
    private var index: [Tag: Int]?
    /// The Specific Character Set in force (inherited by sequence items).
    public var characterSet: SpecificCharacterSet = .default

    public init() {}

    public init(_ elements: [DataElement], characterSet: SpecificCharacterSet = .default) {
        self.characterSet = characterSet
        for e in elements { set(e) }
    }

    public var count: Int { elements.count }
    public var tags: [Tag] { elements.map(\.tag) }

    public subscript(tag: Tag) -> DataElement? {
        guard let i = position(of: tag) else { return nil }
        return elements[i]
    }

    public subscript(keyword: String) -> DataElement? {
        guard let t = DataDictionary.tag(forKeyword: keyword) else { return nil }
        return self[t]
    }

    public func contains(_ tag: Tag) -> Bool { position(of: tag) != nil }

    /// Adds or replaces an element (a later duplicate tag wins, as in pydicom).
    public mutating func set(_ element: DataElement) {
        if let i = position(of: element.tag) {
            elements[i] = element
            return
        }
        if index == nil, let last = elements.last, element.tag < last.tag {
            index = Self.positions(of: elements)
        }
        index?[element.tag] = elements.count
        elements.append(element)
    }

    public mutating func remove(_ tag: Tag) {
        guard let i = position(of: tag) else { return }
        elements.remove(at: i)
        if index != nil { index = Self.positions(of: elements) }
    }

    private func position(of tag: Tag) -> Int? {
        if let index { return index[tag] }
        // Ascending tags: binary search.
        var low = 0, high = elements.count
        while low < high {
            let middle = (low + high) / 2
            if elements[middle].tag < tag { low = middle + 1 } else { high = middle }
        }
        return low < elements.count && elements[low].tag == tag ? low : nil
    }

    private static func positions(of elements: [DataElement]) -> [Tag: Int] {
        var positions = [Tag: Int](minimumCapacity: elements.count + 1)
        for (i, e) in elements.enumerated() { positions[e.tag] = i }
        return positions
    }
}

// MARK: - Typed access

extension DataSet {
    /// All values of a text element, each trimmed as pydicom trims them; nil if absent or not text.
    public func strings(_ tag: Tag) -> [String]? {
        guard let e = self[tag], case .bytes(let b) = e.value else { return nil }
        return Self.strings(b, vr: e.vr, characterSet: characterSet)
    }

    /// The first value of a text element (the whole text for LT/ST/UT/UR).
    public func string(_ tag: Tag) -> String? { strings(tag)?.first }

    /// Integer values from IS strings or US/SS/UL/SL/SV/UV binary values.
    public func ints(_ tag: Tag) -> [Int]? {
        guard let e = self[tag], case .bytes(let b) = e.value else { return nil }
        switch e.vr {
        case .US, .OW: return Self.decode(b, width: 2) { Int(UInt16(truncatingIfNeeded: $0)) }
        case .SS: return Self.decode(b, width: 2) { Int(Int16(truncatingIfNeeded: $0)) }
        case .UL, .OL: return Self.decode(b, width: 4) { Int(UInt32(truncatingIfNeeded: $0)) }
        case .SL: return Self.decode(b, width: 4) { Int(Int32(truncatingIfNeeded: $0)) }
        case .SV: return Self.decode(b, width: 8) { Int(Int64(bitPattern: $0)) }
        case .UV, .OV: return Self.decode(b, width: 8) { Int(truncatingIfNeeded: $0) }
        case .IS, .DS:
            let s = Self.strings(b, vr: e.vr, characterSet: characterSet)
            var out: [Int] = []
            for v in s {
                if let i = Int(v) {
                    out.append(i)
                } else if let d = Double(v), d.isFinite, d == d.rounded(), abs(d) < 9e18 {
                    out.append(Int(d))
                } else {
                    return nil
                }
            }
            return out
        default: return nil
        }
    }

    public func int(_ tag: Tag) -> Int? { ints(tag)?.first }

    /// Floating values from DS strings or FL/FD/OF/OD binary values (integers widen).
    public func doubles(_ tag: Tag) -> [Double]? {
        guard let e = self[tag], case .bytes(let b) = e.value else { return nil }
        switch e.vr {
        case .FL, .OF: return Self.decode(b, width: 4) { Double(Float(bitPattern: UInt32(truncatingIfNeeded: $0))) }
        case .FD, .OD: return Self.decode(b, width: 8) { Double(bitPattern: $0) }
        case .DS, .IS:
            var out: [Double] = []
            for v in Self.strings(b, vr: e.vr, characterSet: characterSet) {
                guard let d = Double(v) else { return nil }
                out.append(d)
            }
            return out
        default: return ints(tag).map { $0.map(Double.init) }
        }
    }

    public func double(_ tag: Tag) -> Double? { doubles(tag)?.first }

    /// DA (YYYYMMDD, also the old YYYY.MM.DD) as calendar components.
    public func date(_ tag: Tag) -> DateComponents? {
        guard let s = string(tag)?.replacingOccurrences(of: ".", with: ""), s.count == 8,
            let y = Int(s.prefix(4)), let m = Int(s.dropFirst(4).prefix(2)), let d = Int(s.suffix(2)),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        return DateComponents(year: y, month: m, day: d)
    }

    /// TM (HHMMSS.FFFFFF, any prefix of it) as components; nanoseconds hold the fraction.
    public func time(_ tag: Tag) -> DateComponents? {
        guard let s = string(tag)?.replacingOccurrences(of: ":", with: ""), s.count >= 2 else { return nil }
        let parts = s.split(separator: ".", maxSplits: 1)
        let hms = Array(parts[0])
        func field(_ i: Int) -> Int? { hms.count >= i + 2 ? Int(String(hms[i..<(i + 2)])) : 0 }
        guard let h = field(0), let m = field(2), let sec = field(4), h < 24, m < 60, sec < 61 else { return nil }
        var c = DateComponents(hour: h, minute: m, second: sec)
        if parts.count == 2, let f = Double("0." + parts[1]) { c.nanosecond = Int(f * 1e9) }
        return c
    }

    public func sequence(_ tag: Tag) -> [DataSet]? { self[tag]?.items }
    public func bytes(_ tag: Tag) -> [UInt8]? { self[tag]?.bytes }

    /// AT values.
    public func tagValues(_ tag: Tag) -> [Tag]? {
        guard let e = self[tag], e.vr == .AT, case .bytes(let b) = e.value else { return nil }
        return Self.decode(b, width: 4) { raw in
            Tag(UInt16(truncatingIfNeeded: raw), UInt16(truncatingIfNeeded: raw >> 16))
        }
    }

    // Keyword spellings of the same accessors, e.g. `string("StudyDescription")`.
    public func strings(_ keyword: String) -> [String]? { DataDictionary.tag(forKeyword: keyword).flatMap { strings($0) } }
    public func string(_ keyword: String) -> String? { DataDictionary.tag(forKeyword: keyword).flatMap { string($0) } }
    public func ints(_ keyword: String) -> [Int]? { DataDictionary.tag(forKeyword: keyword).flatMap { ints($0) } }
    public func int(_ keyword: String) -> Int? { DataDictionary.tag(forKeyword: keyword).flatMap { int($0) } }
    public func doubles(_ keyword: String) -> [Double]? { DataDictionary.tag(forKeyword: keyword).flatMap { doubles($0) } }
    public func double(_ keyword: String) -> Double? { DataDictionary.tag(forKeyword: keyword).flatMap { double($0) } }
    public func date(_ keyword: String) -> DateComponents? { DataDictionary.tag(forKeyword: keyword).flatMap { date($0) } }
    public func sequence(_ keyword: String) -> [DataSet]? { DataDictionary.tag(forKeyword: keyword).flatMap { sequence($0) } }

    // MARK: helpers

    static func strings(_ b: [UInt8], vr: VR, characterSet: SpecificCharacterSet) -> [String] {
        let text = vr.usesCharacterSet ? characterSet.decode(b[...]) : String(decoding: b, as: UTF8.self)
        let single: Bool = [.LT, .ST, .UT, .UR].contains(vr)
        let keepLeading = vr == .LT || vr == .ST || vr == .UT
        // Work on Unicode scalars: trimming Characters from the end is quadratic on hostile text.
        let scalars = text.unicodeScalars
        let parts = single ? [scalars[...]] : scalars.split(separator: "\\", omittingEmptySubsequences: false)
        return parts.map { part in
            // Trailing spaces and NULs are padding; DS/IS/AS/... may also carry leading spaces.
            var lo = part.startIndex, hi = part.endIndex
            while hi > lo, case let c = scalars[scalars.index(before: hi)], c == " " || c == "\0" { hi = scalars.index(before: hi) }
            if !keepLeading { while lo < hi, scalars[lo] == " " { lo = scalars.index(after: lo) } }
            return String(String.UnicodeScalarView(scalars[lo..<hi]))
        }
    }

    static func decode<T>(_ b: [UInt8], width: Int, _ make: (UInt64) -> T) -> [T] {
        let n = b.count / width
        var out: [T] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            var v: UInt64 = 0
            for k in 0..<width { v |= UInt64(b[i * width + k]) << (8 * UInt64(k)) }
            out.append(make(v))
        }
        return out
    }
}
