/// The bytes of one frame: a native slice, or the fragments of an encapsulated frame.
struct FrameLocation: Sendable, Equatable {
    /// (offset, length) ranges in the data-set stream, concatenated in order.
    var ranges: [(offset: Int, length: Int)]
    var byteCount: Int { ranges.reduce(0) { $0 + $1.length } }

    static func == (a: FrameLocation, b: FrameLocation) -> Bool {
        a.ranges.count == b.ranges.count && zip(a.ranges, b.ranges).allSatisfy { $0.offset == $1.offset && $0.length == $1.length }
    }
}

/// One item of encapsulated pixel data.
struct Fragment: Sendable {
    /// Offset of the item header (what offset tables count from).
    let itemOffset: Int
    /// Offset and length of the fragment's bytes.
    let offset: Int
    let length: Int
}

/// Works out where each frame's bytes are.
enum FrameTable {
    static func locate(file: DICOMFile) throws -> [FrameLocation] {
        guard let ref = file.pixelDataReference else { throw DICOMError.missingAttribute("PixelData") }
        let desc = try PixelDescription(file.dataSet, transferSyntax: file.transferSyntax)
        let frames = desc.numberOfFrames
        if let length = ref.length {
            guard !file.transferSyntax.isEncapsulated else {
                throw DICOMError.pixelData(
                    "transfer syntax \(file.transferSyntax.uid) needs encapsulated pixel data, found a defined length")
            }
            let available = min(length, max(0, file.stream.count - ref.offset))
            let frameBits = desc.nativeFrameBits
            let needed = (frameBits * frames + 7) / 8
            guard available >= needed else {
                throw DICOMError.pixelData(
                    "\(available) bytes of pixel data, \(needed) needed for \(frames) frame(s) of \(desc.rows)×\(desc.columns)×\(desc.samplesPerPixel) at \(desc.bitsAllocated) bits"
                )
            }
            // 1-bit frames may start mid-byte; the decoder handles the bit offset.
            return (0..<frames).map { i in
                let startBit = frameBits * i
                let start = startBit / 8, end = (startBit + frameBits + 7) / 8
                return FrameLocation(ranges: [(ref.offset + start, end - start)])
            }
        }
        let (bot, fragments) = try readFragments(stream: file.stream, at: ref.offset)
        guard !fragments.isEmpty else { throw DICOMError.pixelData("encapsulated pixel data has no fragments") }
        let firstItem = fragments[0].itemOffset

        // Extended Offset Table wins, then the Basic Offset Table; both count from the first fragment's item.
        var offsets: [Int]? = nil
        if let eot = file.dataSet[.extendedOffsetTable]?.bytes, eot.count >= 8 {
            offsets = DataSet.decode(eot, width: 8) { Int(truncatingIfNeeded: $0) }
        } else if !bot.isEmpty {
            offsets = bot
        }
        if let offsets {
            guard offsets.count == frames else {
                throw DICOMError.pixelData("offset table has \(offsets.count) entries for \(frames) frame(s)")
            }
            var result: [FrameLocation] = []
            for i in 0..<frames {
                let lo = firstItem + offsets[i]
                let hi = i + 1 < frames ? firstItem + offsets[i + 1] : Int.max
                guard lo < hi else { throw DICOMError.pixelData("offset table is not increasing at frame \(i)") }
                let parts = fragments.filter { $0.itemOffset >= lo && $0.itemOffset < hi }
                guard let first = parts.first, first.itemOffset == lo else {
                    throw DICOMError.pixelData("offset table entry \(i) (\(offsets[i])) does not point at a fragment")
                }
                result.append(FrameLocation(ranges: parts.map { ($0.offset, $0.length) }))
            }
            return result
        }
        if fragments.count == frames {
            return fragments.map { FrameLocation(ranges: [($0.offset, $0.length)]) }
        }
        if frames == 1 {
            return [FrameLocation(ranges: fragments.map { ($0.offset, $0.length) })]
        }
        guard fragments.count > frames else {
            throw DICOMError.pixelData("\(fragments.count) fragment(s) for \(frames) frame(s)")
        }
        // No offset table and more fragments than frames: a frame starts at each fragment that
        // begins with a codestream start marker (JPEG SOI, J2K SOC, JP2 signature box).
        var starts: [Int] = []
        for (i, f) in fragments.enumerated() {
            let head = try file.stream.read(at: f.offset, length: min(f.length, 12))
            if Self.startsCodestream(head, codec: file.transferSyntax.codec) { starts.append(i) }
        }
        guard starts.count == frames, starts.first == 0 else {
            throw DICOMError.pixelData(
                "cannot find frame boundaries: \(fragments.count) fragments, \(starts.count) codestream starts, \(frames) frames")
        }
        return (0..<frames).map { k in
            let hi = k + 1 < frames ? starts[k + 1] : fragments.count
            return FrameLocation(ranges: fragments[starts[k]..<hi].map { ($0.offset, $0.length) })
        }
    }

    static func startsCodestream(_ b: [UInt8], codec: TransferSyntax.Codec) -> Bool {
        guard b.count >= 4 else { return false }
        switch codec {
        case .jpeg, .jpegLS: return b[0] == 0xFF && b[1] == 0xD8
        case .jpeg2000:
            if b[0] == 0xFF && b[1] == 0x4F && b[2] == 0xFF && b[3] == 0x51 { return true }
            return b.count >= 8 && b[4] == 0x6A && b[5] == 0x50 && b[6] == 0x20 && b[7] == 0x20
        case .jpegXL:
            // A bare codestream (FF0A) or the container's signature box ('JXL ').
            if b[0] == 0xFF && b[1] == 0x0A { return true }
            return b.count >= 8 && b[4] == 0x4A && b[5] == 0x58 && b[6] == 0x4C && b[7] == 0x20
        default: return false
        }
    }

    /// Reads the item headers of encapsulated data: the Basic Offset Table and the fragments.
    static func readFragments(stream: ByteSource, at offset: Int) throws -> (bot: [Int], fragments: [Fragment]) {
        var pos = offset
        var bot: [Int] = []
        var fragments: [Fragment] = []
        var first = true
        while true {
            let h = try stream.read(at: pos, length: 8)
            guard h.count == 8 else { throw DICOMError.pixelData("fragment header truncated at byte \(pos)") }
            let group = UInt16(h[0]) | UInt16(h[1]) << 8, element = UInt16(h[2]) | UInt16(h[3]) << 8
            let len = Int(UInt32(h[4]) | UInt32(h[5]) << 8 | UInt32(h[6]) << 16 | UInt32(h[7]) << 24)
            let tag = Tag(group, element)
            if tag == .sequenceDelimitation { break }
            guard tag == .item, len != 0xFFFF_FFFF else {
                throw DICOMError.pixelData("expected a fragment item at byte \(pos), found \(tag)")
            }
            guard pos + 8 + len <= stream.count else {
                throw DICOMError.pixelData("fragment at byte \(pos) of \(len) bytes runs past the end")
            }
            if first {
                if len > 0 {
                    guard len % 4 == 0 else { throw DICOMError.pixelData("Basic Offset Table length \(len) is not a multiple of 4") }
                    let t = try stream.read(at: pos + 8, length: len)
                    bot = DataSet.decode(t, width: 4) { Int(UInt32(truncatingIfNeeded: $0)) }
                }
                first = false
            } else {
                fragments.append(Fragment(itemOffset: pos, offset: pos + 8, length: len))
            }
            pos += 8 + len
            if pos == stream.count { break }  // a missing sequence delimiter at end of file is tolerated
        }
        // pydicom treats a first offset that is not 0 as a bad table; so do we (ignore it).
        if let f = bot.first, f != 0 { bot = [] }
        return (bot, fragments)
    }
}
