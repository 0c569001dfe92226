// Test-only access to the DICOM reference corpus (TestSupport's DICOMCorpus): pydicom's
// expectations (expected.json) and the encapsulated pixel fragments of each file, found with a deliberately small parser (the real
// reader belongs to the DICOM module, which these tests must not depend on).
import DICOMCodecs
import Foundation
import TestSupport
import XCTest

struct Fixture {
    let name: String
    let transferSyntax: String
    let header: [String: Any]
    let pixels: [String: Any]?
    let pixelError: String?

    var frameCount: Int {
        if let n = header["NumberOfFrames"] as? Int { return n }
        if let s = header["NumberOfFrames"] as? String, let n = Int(s.trimmingCharacters(in: .whitespaces)) { return n }
        return 1
    }
    func int(_ key: String) -> Int? { header[key] as? Int }
    var photometric: String { (header["PhotometricInterpretation"] as? String) ?? "" }
}

enum Fixtures {
    static func corpus() throws -> DICOMCorpus { try TestData.dicomCorpus() }

    static func all() throws -> [Fixture] {
        try corpus().records().compactMap { entry in
            guard let name = entry["file"] as? String, let header = entry["header"] as? [String: Any] else { return nil }
            return Fixture(
                name: name, transferSyntax: (header["TransferSyntaxUID"] as? String) ?? "", header: header,
                pixels: entry["pixels"] as? [String: Any], pixelError: entry["pixel_error"] as? String)
        }
    }

    static func fixtures(withSyntaxes syntaxes: Set<String>) throws -> [Fixture] {
        try all().filter { syntaxes.contains($0.transferSyntax) }
    }

    static func bytes(of fixture: Fixture) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: try corpus().file(fixture.name)))
    }

    /// The compressed frames of `fixture`: the last (7FE0,0010) OB element of undefined length,
    /// its Basic Offset Table item skipped, fragments grouped into frames by the table, by one
    /// fragment per frame, or by the codec's start-of-stream marker.
    static func frames(of fixture: Fixture) throws -> [[UInt8]] {
        try frames(of: fixture, bytes: try bytes(of: fixture))
    }

    static func frames(of fixture: Fixture, bytes file: [UInt8]) throws -> [[UInt8]] {
        // Explicit VR ("OB", reserved, undefined length) or implicit VR (undefined length).
        let explicit: [UInt8] = [0xE0, 0x7F, 0x10, 0x00, 0x4F, 0x42, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]
        let implicit: [UInt8] = [0xE0, 0x7F, 0x10, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]
        var start: Int?
        var i = file.count - explicit.count
        while i >= 0 {
            if file[i] == 0xE0 {
                var candidate = Array(file[i..<(i + explicit.count)])
                if candidate[5] == 0x57 { candidate[5] = 0x42 }  // "OW" as well as "OB"
                if candidate == explicit { start = i + explicit.count; break }
                if Array(file[i..<(i + implicit.count)]) == implicit { start = i + implicit.count; break }
            }
            i -= 1
        }
        guard var p = start else { throw UnexpectedTestData("\(fixture.name): no encapsulated pixel data found") }
        func u16(_ o: Int) -> Int { Int(file[o]) | Int(file[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | (u16(o + 2) << 16) }
        var items: [[UInt8]] = []
        while p + 8 <= file.count {
            let group = u16(p), element = u16(p + 2), length = u32(p + 4)
            p += 8
            if group == 0xFFFE && element == 0xE0DD { break }
            guard group == 0xFFFE, element == 0xE000, p + length <= file.count else {
                throw NSError(domain: "fixtures", code: 2, userInfo: [NSLocalizedDescriptionKey: "\(fixture.name): bad item at \(p - 8)"])
            }
            items.append(Array(file[p..<(p + length)]))
            p += length
        }
        guard let table = items.first else { return [] }
        let fragments = Array(items.dropFirst())
        let n = fixture.frameCount
        if n == 1 { return [fragments.reduce([], +)] }
        if !table.isEmpty {
            let offsets: [Int] = stride(from: 0, to: table.count - 3, by: 4).map { (o: Int) -> Int in
                let low = Int(table[o]) | Int(table[o + 1]) << 8
                return low | Int(table[o + 2]) << 16 | Int(table[o + 3]) << 24
            }
            var frames: [[UInt8]] = Array(repeating: [], count: offsets.count)
            var position = 0
            for fragment in fragments {
                let frame = (offsets.lastIndex { $0 <= position }) ?? 0
                frames[frame] += fragment
                position += fragment.count + 8
            }
            return frames
        }
        if fragments.count == n { return fragments }
        var frames: [[UInt8]] = []
        for fragment in fragments {
            let startsStream = fragment.count >= 2 && fragment[0] == 0xFF && (fragment[1] == 0xD8 || fragment[1] == 0x4F)
            if startsStream || frames.isEmpty { frames.append(fragment) } else { frames[frames.count - 1] += fragment }
        }
        return frames
    }
}

/// Decoded frames laid out the way pydicom returns `pixel_array`, compared with expected.json.
struct PixelComparison {
    let fixture: Fixture
    /// Little-endian bytes of the whole array in pydicom's dtype.
    let bytes: [UInt8]
    let values: [Double]

    /// Concatenates `images` as the dtype pydicom reported: 8-bit stays 8-bit; 16-bit samples
    /// become (u)int16 — a signed dtype reinterprets the bits, sign-extending from BitsStored
    /// as pydicom does for PixelRepresentation 1.
    init(fixture: Fixture, images: [CodecImageView]) throws {
        self.fixture = fixture
        guard let dtype = fixture.pixels?["dtype"] as? String else {
            throw UnexpectedTestData("\(fixture.name): pydicom decoded no pixels")
        }
        let bitsStored = fixture.int("BitsStored") ?? 16
        var bytes: [UInt8] = []
        var values: [Double] = []
        for image in images {
            switch dtype {
            case "uint8":
                for v in image.values { bytes.append(UInt8(truncatingIfNeeded: v)); values.append(Double(UInt8(truncatingIfNeeded: v))) }
            case "uint16", "int16":
                for raw in image.values {
                    var v = raw & 0xFFFF
                    if dtype == "int16" {
                        let shift = 64 - bitsStored
                        v = ((v << shift) >> shift)  // sign-extend from BitsStored
                    }
                    let u = UInt16(truncatingIfNeeded: v)
                    bytes.append(UInt8(u & 0xFF)); bytes.append(UInt8(u >> 8))
                    values.append(Double(v))
                }
            default:
                throw UnexpectedTestData("\(fixture.name): dtype \(dtype) not handled by this test")
            }
        }
        self.bytes = bytes
        self.values = values
    }

    var md5: String { MD5.hex(bytes) }
    var expectedMD5: String? { fixture.pixels?["md5"] as? String }
    var expectedMean: Double? { fixture.pixels?["mean"] as? Double }
    var mean: Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
    var expectedShapeCount: Int { ((fixture.pixels?["shape"] as? [Int]) ?? []).reduce(1, *) }

    /// Largest difference at pydicom's sampled flat indices.
    func maxSampleError() -> Double {
        guard let samples = fixture.pixels?["samples"] as? [String: Any],
            let indices = samples["flat_index"] as? [Int],
            let expected = samples["value"] as? [Double] ?? (samples["value"] as? [Int])?.map(Double.init)
        else { return .infinity }
        var worst = 0.0
        for (i, e) in zip(indices, expected) {
            guard i < values.count else { return .infinity }
            worst = max(worst, abs(values[i] - e))
        }
        return worst
    }
}

/// The samples of a decoded image as integers (sign-extended when the codec says signed).
struct CodecImageView {
    let values: [Int]

    init(_ image: CodecImage) {
        let count = image.width * image.height * image.components
        var values = [Int](repeating: 0, count: count)
        image.data.withUnsafeBufferPointer { d in
            for i in 0..<count {
                if image.bytesPerSample == 1 {
                    values[i] = image.isSigned ? Int(Int8(bitPattern: d[i])) : Int(d[i])
                } else {
                    let u = UInt16(d[2 * i]) | UInt16(d[2 * i + 1]) << 8
                    values[i] = image.isSigned ? Int(Int16(bitPattern: u)) : Int(u)
                }
            }
        }
        self.values = values
    }
}
