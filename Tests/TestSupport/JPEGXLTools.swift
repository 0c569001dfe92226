import Foundation
import SeededRandom

/// A binary PNM image (PGM `P5` or PPM `P6`): what cjxl reads and djxl writes, so the JPEG XL
/// tests can hand the reference tools exact samples and read back theirs.
public struct PNMImage: Equatable {
    public var width: Int
    public var height: Int
    /// 1 (PGM) or 3 (PPM).
    public var channels: Int
    /// 255 or below: one byte per sample; above: two bytes, big-endian (as Netpbm defines).
    public var maxValue: Int
    /// Interleaved by pixel, rows top to bottom.
    public var samples: [Int]

    public init(width: Int, height: Int, channels: Int, maxValue: Int, samples: [Int]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.maxValue = maxValue
        self.samples = samples
    }

    /// A speckle-like test image: a smooth gradient with multiplicative noise and a bright disc,
    /// so every coding tool (prediction, transforms, palettes) gets work and nothing is flat.
    public static func speckle(width: Int, height: Int, channels: Int, maxValue: Int, seed: UInt64) -> PNMImage {
        var rng = SplitMix64(seed: seed)
        var samples: [Int] = []
        samples.reserveCapacity(width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                let dx = Double(x - width / 2), dy = Double(y - height / 3)
                let disc = dx * dx + dy * dy < Double(width * width) / 25 ? 0.35 : 0
                for c in 0..<channels {
                    let base = 0.15 + 0.5 * Double(x + y) / Double(width + height) + disc + 0.08 * Double(c)
                    let v = base * (0.6 + 0.8 * rng.unit())
                    samples.append(min(maxValue, max(0, Int((v * Double(maxValue)).rounded()))))
                }
            }
        }
        return PNMImage(width: width, height: height, channels: channels, maxValue: maxValue, samples: samples)
    }

    public func write(to url: URL) throws {
        var bytes = Array("\(channels == 1 ? "P5" : "P6")\n\(width) \(height)\n\(maxValue)\n".utf8)
        for v in samples {
            if maxValue > 255 { bytes.append(UInt8(v >> 8)) }
            bytes.append(UInt8(truncatingIfNeeded: v))
        }
        try Data(bytes).write(to: url)
    }

    public init(contentsOf url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        // Header: magic, width, height, maxval as whitespace-separated tokens, then one whitespace byte.
        var fields: [String] = []
        var i = 0
        while fields.count < 4, i < bytes.count {
            while i < bytes.count, bytes[i] == 0x23 || Character(UnicodeScalar(bytes[i])).isWhitespace {
                if bytes[i] == 0x23 { while i < bytes.count, bytes[i] != 0x0A { i += 1 } }  // a comment line
                i += 1
            }
            let start = i
            while i < bytes.count, !Character(UnicodeScalar(bytes[i])).isWhitespace { i += 1 }
            fields.append(String(decoding: bytes[start..<i], as: UTF8.self))
        }
        i += 1
        guard fields.count == 4, fields[0] == "P5" || fields[0] == "P6",
            let w = Int(fields[1]), let h = Int(fields[2]), let m = Int(fields[3])
        else {
            throw UnexpectedTestData("\(url.path): not a binary PGM/PPM (header \(fields))")
        }
        let channels = fields[0] == "P5" ? 1 : 3
        let sampleBytes = m > 255 ? 2 : 1
        let count = w * h * channels
        guard bytes.count - i >= count * sampleBytes else {
            throw UnexpectedTestData("\(url.path): \(bytes.count - i) bytes for \(count) samples")
        }
        let samples = (0..<count).map { k in
            sampleBytes == 1 ? Int(bytes[i + k]) : Int(bytes[i + 2 * k]) << 8 | Int(bytes[i + 2 * k + 1])
        }
        self.init(width: w, height: h, channels: channels, maxValue: m, samples: samples)
    }
}

/// cjxl and djxl from Debian's libjxl-tools: the reference encoder and decoder of the JPEG XL tests.
public enum JPEGXLTools {
    /// `cjxl SOURCE TARGET ARGUMENTS…` (`-d 0` lossless, `-d 1.5` lossy; a JPEG source is
    /// recompressed losslessly by default). Returns the encoded bytes.
    public static func encode(_ source: URL, to target: URL, _ arguments: [String]) throws -> [UInt8] {
        try run("cjxl", [source.path, target.path] + arguments)
        return [UInt8](try Data(contentsOf: target))
    }

    /// Writes `image` as NAME.pgm/.ppm into `folder` and encodes it to NAME.jxl there.
    ///
    /// cjxl 0.7 reads a PNM whose maxval is neither 255 nor 65535 as if it spanned 16 bits (a
    /// 12-bit 1949 is stored as 122), so such an image is handed over at full 16-bit range with
    /// its depth stated (`--override_bitdepth`): the stream then holds exactly its samples.
    public static func encode(_ image: PNMImage, named name: String, in folder: URL, _ arguments: [String]) throws -> (
        stream: [UInt8], url: URL
    ) {
        let source = folder.appendingPathComponent("\(name).\(image.channels == 1 ? "pgm" : "ppm")")
        var extra: [String] = []
        if image.maxValue == 255 || image.maxValue == 65535 {
            try image.write(to: source)
        } else {
            var wide = image
            wide.maxValue = 65535
            wide.samples = image.samples.map { ($0 * 65535 + image.maxValue / 2) / image.maxValue }
            try wide.write(to: source)
            extra = ["--override_bitdepth=\(String(image.maxValue, radix: 2).count)"]
        }
        let target = folder.appendingPathComponent("\(name).jxl")
        return (try encode(source, to: target, arguments + extra), target)
    }

    /// `djxl SOURCE TARGET`: the output format follows TARGET's extension (.pgm/.ppm pixels, or
    /// .jpg to reconstruct a recompressed JPEG's original bytes).
    public static func decode(_ source: URL, to target: URL) throws {
        try run("djxl", [source.path, target.path])
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let result = try ProcessRunner.run(try Prerequisite.executable(tool, package: "libjxl-tools"), arguments)
        guard result.status == 0 else {
            throw UnexpectedTestData("\(tool) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.combined)")
        }
    }
}
