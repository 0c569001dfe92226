import Foundation

/// How a phantom instance's pixels are stored.
public enum PhantomEncoding: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    /// Explicit VR Little Endian, RGB.
    case nativeRGB
    /// Explicit VR Little Endian, MONOCHROME2 (annotations burned in white).
    case nativeMonochrome
    /// JPEG Baseline (Process 1), YBR_FULL_422: most ultrasound archives are mostly this.
    case jpegBaseline
    /// RLE Lossless, RGB.
    case rle

    public var transferSyntaxUID: String {
        switch self {
        case .nativeRGB, .nativeMonochrome: return "1.2.840.10008.1.2.1"
        case .jpegBaseline: return "1.2.840.10008.1.2.4.50"
        case .rle: return "1.2.840.10008.1.2.5"
        }
    }
}

/// Settings for the downstream (labelled) sets.
public struct DownstreamOptions: Sendable, Codable, Equatable {
    /// Virtual patients per set (each set has its own patients, distinct from the archive's).
    /// 100 patients × 4 images with a quarter of the patients in test give 100 test images per
    /// task: enough for a paired comparison to resolve differences of a few Dice points.
    public var patients: Int = 100
    public var imagesPerPatient: Int = 4
    /// Shares of patients in train / val / test (the rest of the rounding goes to train).
    public var validationShare: Double = 0.15
    public var testShare: Double = 0.25

    public init() {}
}

/// Everything that determines a phantom cohort. Same options → byte-identical output.
public struct PhantomOptions: Sendable, Codable, Equatable {
    public var patients: Int = 20
    public var seed: UInt64 = 1
    /// Frame size of the DICOM images (and downstream images).
    public var rows: Int = 256
    public var columns: Int = 384
    public var studiesPerPatient: ClosedRange<Int> = 1...3
    public var seriesPerStudy: ClosedRange<Int> = 1...2
    public var imagesPerSeries: ClosedRange<Int> = 2...6
    /// Share of series stored as one US Multi-frame cine loop instead of single images.
    public var cineFraction: Double = 0.1
    public var cineFrames: ClosedRange<Int> = 6...12
    /// Share of studies whose Study Description is wrong (half) or missing (half).
    public var studyDescriptionNoise: Double = 0.05
    /// Share of series whose Transducer Data is wrong (half) or missing (half).
    public var transducerNoise: Double = 0.05
    /// Share of instances written as colour Doppler, B-mode above a Doppler strip, or a report
    /// page (cine loops: colour or strip), as real archives mix them in. nil (the default)
    /// writes B-mode only, and keeps the record of the options (phantom.json) as before.
    public var otherKindsShare: Double? = nil
    /// Relative frequency of each pixel encoding.
    public var encodingWeights: [PhantomEncoding: Double] = [.jpegBaseline: 0.45, .nativeRGB: 0.3, .rle: 0.15, .nativeMonochrome: 0.1]
    /// JPEG quality for JPEG Baseline files.
    public var jpegQuality: Int = 90
    /// Write the DICOM archive (false: downstream sets only).
    public var writeArchive = true
    /// nil skips the downstream sets.
    public var downstream: DownstreamOptions? = DownstreamOptions()
    /// Write preview.png: a contact sheet of a sample with their tags.
    public var preview = false
    public var previewCount = 24
    /// Worker threads; nil uses every core.
    public var threads: Int? = nil

    public init() {}

    /// Checks values a user can get wrong, naming the option.
    public func validate() throws {
        func fail(_ option: String, _ why: String) -> PhantomError { .invalidOption(option, why) }
        guard patients >= 1, patients <= 1_000_000 else { throw fail("patients", "must be between 1 and 1000000, got \(patients)") }
        guard rows >= 32, columns >= 32, rows <= 4096, columns <= 4096 else {
            throw fail("size", "rows and columns must be 32…4096, got \(rows)x\(columns)")
        }
        for (name, range) in [
            ("studiesPerPatient", studiesPerPatient), ("seriesPerStudy", seriesPerStudy), ("imagesPerSeries", imagesPerSeries),
            ("cineFrames", cineFrames)
        ] {
            guard range.lowerBound >= 1, range.upperBound <= 1000 else { throw fail(name, "must lie in 1…1000, got \(range)") }
        }
        for (name, share) in [
            ("cineFraction", cineFraction), ("studyDescriptionNoise", studyDescriptionNoise), ("transducerNoise", transducerNoise)
        ] {
            guard share >= 0, share <= 1 else { throw fail(name, "must be a fraction in [0, 1], got \(share)") }
        }
        if let share = otherKindsShare, !(0...1).contains(share) {
            throw fail("otherKindsShare", "must be a fraction in [0, 1], got \(share)")
        }
        guard encodingWeights.values.allSatisfy({ $0 >= 0 }), encodingWeights.values.reduce(0, +) > 0 else {
            throw fail("encodingWeights", "need at least one positive weight")
        }
        guard (1...100).contains(jpegQuality) else { throw fail("jpegQuality", "must be 1…100, got \(jpegQuality)") }
        if let d = downstream {
            guard d.patients >= 3 else { throw fail("downstream.patients", "need at least 3 (one per split), got \(d.patients)") }
            guard d.imagesPerPatient >= 1, d.imagesPerPatient <= 1000 else { throw fail("downstream.imagesPerPatient", "must be 1…1000") }
            guard d.validationShare >= 0, d.testShare >= 0, d.validationShare + d.testShare < 1 else {
                throw fail("downstream shares", "validation + test must be below 1")
            }
        }
        if let t = threads, t < 1 { throw fail("threads", "must be at least 1") }
    }
}

public enum PhantomError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String, String)
    case io(path: String, reason: String)
    case encoding(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidOption(let option, let why): return "invalid phantom option \(option): \(why)"
        case .io(let path, let reason): return "cannot write \(path): \(reason)"
        case .encoding(let path, let reason): return "cannot encode \(path): \(reason)"
        }
    }
}
