import ArgumentParser
import DICOM
import Foundation
import Imaging
import SonoData
import SonoSupport
import SonoTagCommands

/// `sonotag dicom ...`: look inside DICOM files.
struct DICOMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dicom",
        abstract: "Inspect DICOM files: dump headers, export frames.",
        discussion: """
            Examples:
              sonotag dicom dump scan.dcm
              sonotag dicom dump scan.dcm --json > scan.json
              sonotag dicom frames cine.dcm --out frames/ --format png --grayscale
            """,
        subcommands: [DICOMDump.self, DICOMFrames.self, DICOMBench.self]
    )
}

struct DICOMDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print every element of a DICOM file (sequences nested).",
        discussion: "Patient identifiers (names, IDs, birth date, ...) print as <redacted> unless --show-identifiers is given."
    )

    @Argument(help: "The DICOM file.") var file: String
    @Flag(help: "Print JSON: keyword → value for the whole data set, sequences as arrays of objects.") var json = false
    @Flag(help: "Print patient identifiers in clear text.") var showIdentifiers = false

    func run() throws {
        let f: DICOMFile
        do { f = try DICOMFile(path: file) } catch { throw DataError("\(file): \(error)") }
        let redact = !showIdentifiers
        if json {
            var object: [String: Any] = [:]
            for (k, v) in f.meta.plainItems(redactingIdentifiers: redact) + f.dataSet.plainItems(redactingIdentifiers: redact) {
                object[k] = v.jsonObject
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(
            "# \(file): transfer syntax \(f.transferSyntax.uid)\(f.transferSyntaxDeclared ? "" : " (guessed)")\(f.isTruncated ? ", TRUNCATED" : "")"
        )
        for w in f.warnings { print("# warning: \(w)") }
        print("# File Meta Information")
        printElements(f.meta, indent: "", redact: redact)
        print("# Data set")
        printElements(f.dataSet, indent: "", redact: redact)
    }

    private func printElements(_ ds: DataSet, indent: String, redact: Bool) {
        for e in ds.elements {
            let name = DataDictionary.keyword(for: e.tag).map { e.tag.isPrivate ? "" : $0 } ?? ""
            if let items = e.items {
                print("\(indent)\(e.tag) SQ \(name) (\(items.count) item\(items.count == 1 ? "" : "s"))")
                for (i, item) in items.enumerated() {
                    print("\(indent)  > item \(i + 1)")
                    printElements(item, indent: indent + "    ", redact: redact)
                }
                continue
            }
            let v = ds.value(e.tag, redactingIdentifiers: redact) ?? .null
            print("\(indent)\(e.tag) \(e.vr.rawValue) \(name) \(Self.text(v))")
        }
    }

    static func text(_ v: DICOMValue) -> String {
        switch v {
        case .null: return "(empty)"
        case .string(let s): return "\"\(s.count > 200 ? String(s.prefix(200)) + "..." : s)\""
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .array(let a):
            return "["
                + (a.count > 16
                    ? a.prefix(16).map(text).joined(separator: ", ") + ", ... (\(a.count))" : a.map(text).joined(separator: ", ")) + "]"
        case .bytes(let n): return n < 0 ? "<encapsulated>" : "<\(n) bytes>"
        case .sequence(let s): return "<\(s.count) items>"
        }
    }
}

struct DICOMFrames: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames",
        abstract: "Decode every frame of a DICOM file to DIR/frame_NNNN.{png,npy}.",
        discussion: """
            npy files hold exactly the decoded stored values (pydicom's pixel_array conventions: YBR as RGB,
            palette as indices, rows × columns [× samples]); with --grayscale they hold float32 in 0...1.
            png files are for looking: 8-bit, palette applied, other depths scaled to 0...255.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case png, npy }

    @Argument(help: "The DICOM file.") var file: String
    @Option(help: "Output directory (created if missing).") var out: String
    @Option(help: "png or npy.") var format: Format = .png
    @Flag(help: "Write the grayscale training view (palette applied, RGB → luma, MONOCHROME1 inverted).") var grayscale = false

    func run() throws {
        let f: DICOMFile
        do { f = try DICOMFile(path: file) } catch { throw DataError("\(file): \(error)") }
        guard f.hasPixelData else { throw DataError("\(file): no Pixel Data") }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let count = try f.frameCount()
        for i in 0..<count {
            let path = (out as NSString).appendingPathComponent(String(format: "frame_%04d.%@", i, format.rawValue))
            switch (format, grayscale) {
            case (.npy, true):
                let g = try f.grayscaleFrame(i)
                var bytes: [UInt8] = []
                bytes.reserveCapacity(g.pixels.count * 4)
                for p in g.pixels { withUnsafeBytes(of: p.bitPattern.littleEndian) { bytes += $0 } }
                try NPY.write(bytes, descr: "<f4", shape: [g.rows, g.columns], to: path)
            case (.npy, false):
                let fr = try f.decodeFrame(i)
                let shape = [fr.rows, fr.columns] + (fr.samplesPerPixel > 1 ? [fr.samplesPerPixel] : [])
                try NPY.write(fr.data, descr: fr.sampleType.numpyDescr, shape: shape, to: path)
            case (.png, true):
                let g = try f.grayscaleFrame(i)
                try PNG.write(Raster(width: g.columns, height: g.rows, channels: 1, pixels: g.toUInt8()), to: path)
            case (.png, false):
                try PNG.write(try Self.displayRaster(f, frame: i), to: path)
            }
        }
        print("wrote \(count) frame(s) to \(out)")
    }

    /// An 8-bit raster for looking at: 8-bit data as is, palettes applied, deeper data scaled.
    static func displayRaster(_ f: DICOMFile, frame i: Int) throws -> Raster {
        let fr = try f.decodeFrame(i)
        let desc = try f.pixelDescription()
        if fr.photometricInterpretation == "PALETTE COLOR" {
            let lut = try PaletteLUT(f.dataSet)
            let shift = lut.bits > 8 ? lut.bits - 8 : 0
            var px = [UInt8](repeating: 0, count: fr.rows * fr.columns * 3)
            for p in 0..<(fr.rows * fr.columns) {
                let k = lut.index(Int(fr.value(at: p)))
                px[3 * p] = UInt8(clamping: Int(lut.red[min(k, lut.red.count - 1)]) >> shift)
                px[3 * p + 1] = UInt8(clamping: Int(lut.green[min(k, lut.green.count - 1)]) >> shift)
                px[3 * p + 2] = UInt8(clamping: Int(lut.blue[min(k, lut.blue.count - 1)]) >> shift)
            }
            return try Raster(width: fr.columns, height: fr.rows, channels: 3, pixels: px)
        }
        if fr.sampleType == .uint8 && (fr.samplesPerPixel == 1 || fr.samplesPerPixel == 3) && desc.bitsAllocated == 8 {
            var px = fr.data
            if desc.photometricInterpretation == "MONOCHROME1" { px = px.map { 255 - $0 } }
            return try Raster(width: fr.columns, height: fr.rows, channels: fr.samplesPerPixel, pixels: px)
        }
        // Deeper data: stretch the frame's own range to 0...255.
        let g = try f.grayscaleFrame(i)
        let lo = g.pixels.min() ?? 0, hi = g.pixels.max() ?? 1
        let scale = hi > lo ? 255 / (hi - lo) : 0
        return try Raster(
            width: g.columns, height: g.rows, channels: 1, pixels: g.pixels.map { UInt8(max(0, min(255, (($0 - lo) * scale).rounded()))) })
    }
}

/// NumPy .npy version 1.0 files of raw samples; the header is NPYArray's.
enum NPY {
    static func write(_ data: [UInt8], descr: String, shape: [Int], to path: String) throws {
        do {
            try AtomicFile.write(NPYArray.header(descr: descr, shape: shape) + data, to: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("cannot write \(path)")
        }
    }
}

/// `sonotag dicom bench`: timings for Benchmarks/bench_dicom.sh (one thread, like one Python process).
struct DICOMBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time header-only scans or frame decoding (used by Benchmarks/bench_dicom.sh).",
        shouldDisplay: false
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable { case header, decode }

    @Argument(help: "header: scan a folder header-only; decode: decode → grayscale → resize every frame of a file.") var mode: Mode
    @Argument(help: "A folder (header) or a file (decode).") var path: String
    @Option(name: .customLong("repeat"), help: "Passes over the input, after an untimed warm-up pass.") var passes: Int = 3
    @Option(help: "Resize target, rows×columns.") var size: String = "256x384"

    func run() throws {
        switch mode {
        case .header:
            let files = try FileManager.default.contentsOfDirectory(atPath: path).sorted().map {
                (path as NSString).appendingPathComponent($0)
            }
            var ok = 0, failed = 0, elements = 0
            var seconds: [Double] = []
            // Pass 0 is an untimed warm-up, as on the pydicom side; the median pass is reported
            // (one pass over a warm folder lasts a fraction of a second).
            for pass in 0...max(1, passes) {
                (ok, failed, elements) = (0, 0, 0)
                let t0 = DispatchTime.now().uptimeNanoseconds
                for f in files {
                    if let d = try? DICOMFile(path: f, mode: .headerOnly) {
                        ok += 1
                        elements += d.dataSet.count
                    } else {
                        failed += 1
                    }
                }
                if pass > 0 { seconds.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
            }
            let s = seconds.sorted()[seconds.count / 2]
            print(
                "{\"tool\": \"sonotag\", \"mode\": \"header\", \"files\": \(files.count), \"read\": \(ok), \"failed\": \(failed), \"elements\": \(elements), \"passes\": \(seconds.count), \"seconds\": \(s), \"per_second\": \(Double(files.count) / s), \"peak_rss_mb\": \(peakResidentMegabytes())}"
            )
        case .decode:
            let dims = size.split(separator: "x").compactMap { Int($0) }
            guard dims.count == 2, dims[0] > 0, dims[1] > 0 else { throw ValidationError("--size must look like 256x384") }
            var t0 = DispatchTime.now().uptimeNanoseconds
            var frames = 0
            var checksum: Double = 0
            // Same work as the pydicom side: open the file each pass, decode every frame, convert
            // to grayscale and resize to a float32 image — through the cache builder's own
            // FramePipeline (area when shrinking, else bilinear), so the number is `sonotag cache`'s.
            let pipeline = FramePipeline(settings: try PreprocessSettings(height: dims[0], width: dims[1], cropToTissue: false))
            var gray = GrayscaleImage(rows: 0, columns: 0, pixels: [])
            // Pass 0 is an untimed warm-up (one-time dictionary and codec set-up), as on the pydicom side.
            for pass in 0...max(1, passes) {
                if pass == 1 { (frames, checksum, t0) = (0, 0, DispatchTime.now().uptimeNanoseconds) }
                let f = try DICOMFile(path: path)
                for i in 0..<(try f.frameCount()) {
                    try f.grayscaleFrame(i, into: &gray)
                    let resized = try pipeline.process(gray)
                    checksum += Double(resized[(dims[0] / 2) * dims[1] + dims[1] / 2])
                    frames += 1
                }
            }
            let s = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            print(
                "{\"tool\": \"sonotag\", \"mode\": \"decode\", \"frames\": \(frames), \"seconds\": \(s), \"per_second\": \(Double(frames) / s), \"checksum\": \(checksum), \"peak_rss_mb\": \(peakResidentMegabytes())}"
            )
        }
    }
}
