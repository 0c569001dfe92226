import DICOM

/// Text values of header elements, as `DataSet.strings` returns them, with a fast path for the
/// common case — printable ASCII, which every character set decodes the same way — so the crawl
/// does not pay for full character-set decoding on each of its ~40 values per file.
enum HeaderText {
    static func strings(_ ds: DataSet, _ tag: Tag) -> [String]? {
        guard let element = ds[tag], case .bytes(let bytes) = element.value else { return nil }
        // Escape sequences (ISO 2022) and anything non-ASCII go through the full decoder.
        guard bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0 }) else { return ds.strings(tag) }
        switch element.vr {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .PN, .SH, .TM, .UC, .UI:
            break
        default:
            // LT / ST / UT / UR keep leading spaces and are never split; leave them to the module.
            return ds.strings(tag)
        }
        return bytes.split(separator: 0x5C, omittingEmptySubsequences: false).map { part in
            var lo = part.startIndex, hi = part.endIndex
            while hi > lo, part[hi - 1] == 0x20 || part[hi - 1] == 0 { hi -= 1 }
            while lo < hi, part[lo] == 0x20 { lo += 1 }
            return String(decoding: part[lo..<hi], as: UTF8.self)
        }
    }

    static func string(_ ds: DataSet, _ tag: Tag) -> String? { strings(ds, tag)?.first }
}
