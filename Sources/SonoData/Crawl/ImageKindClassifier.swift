import DICOM

/// Decides an instance's `ImageKind` from its header — SOP class, Image Type, the Sequence of
/// Ultrasound Regions — and, where the header cannot tell, from a cheap sample of its pixels.
///
/// Header evidence, strongest first (PS3.3 C.8.5.5 and C.8.5.6.1.1):
/// - a Secondary Capture SOP class → `secondary_capture`;
/// - a region of spatial format 3 or data type 3/4 (PW/CW spectral) → `spectral_doppler`;
///   spatial format 2 → `m_mode`; two or more 2D tissue regions → `multi_view`; a region of data
///   type 2 (colour flow) → `colour_flow`;
/// - Image Type value 4, the US mode bit map: 0004/0008 spectral, 0002/0020 M-mode, 0010/0100
///   colour (or power) Doppler;
/// - Image Type DERIVED\SECONDARY, or regions none of which is 2D, with no 2D tissue region →
///   `secondary_capture`.
/// What remains is B-mode unless — when Image Type carries no mode bit map — its pixels say
/// otherwise: chromatic pixels inside the tissue region (a colour-flow box the header did not
/// declare) make it `colour_flow`, and an image without regions that is mostly one flat
/// background (text on a page) `secondary_capture`.
enum ImageKindClassifier {
    struct Verdict: Equatable {
        var kind: ImageKind
        /// A short phrase for reports (`tags --kinds`), never an element value.
        var reason: String
    }

    /// The header facts the classifier reads.
    struct Header {
        var sopClassUID: String?
        var imageType: [String]
        var samplesPerPixel: Int
        var rows: Int
        var columns: Int
        var regions: [UltrasoundRegion]
    }

    /// Pixels the classifier may look at: 8-bit frames as `PixelFrame`s (RGB or grey).
    typealias FrameSource = (_ index: Int) throws -> PixelFrame

    static let secondaryCaptureClassPrefix = "1.2.840.10008.5.1.4.1.1.7"
    static let ultrasoundClasses: Set<String> = [
        "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.3.1", "1.2.840.10008.5.1.4.1.1.6", "1.2.840.10008.5.1.4.1.1.3"
    ]

    /// A sampled tissue pixel is chromatic when its channels differ by more than this: grey
    /// B-mode through 4:2:2 JPEG stays within a few levels; flow colours differ by a hundred.
    static let chromaThreshold = 48
    /// Share of sampled tissue pixels that must be chromatic: callipers and markers stay below.
    static let colourShare = 0.01
    /// Share of samples within `flatTolerance` of the most common grey level for a "page".
    static let flatShare = 0.88
    static let flatTolerance = 6
    /// About this many pixels are sampled per frame, on a regular grid.
    static let samplesPerFrame = 4096

    /// The 2D tissue boxes of the header, clamped, zero-area regions left out.
    static func tissueBoxes(_ header: Header) -> [PixelBox] {
        var boxes: [PixelBox] = []
        for region in header.regions where region.isTissue2D && !region.hasZeroArea {
            if let box = region.clampedBox(rows: header.rows, columns: header.columns), !boxes.contains(box) { boxes.append(box) }
        }
        return boxes
    }

    /// The header's verdict, and whether the pixels must still be looked at.
    static func classify(header: Header) -> (verdict: Verdict, needsPixels: Bool) {
        let sop = header.sopClassUID ?? ""
        if sop.hasPrefix(secondaryCaptureClassPrefix) {
            return (Verdict(kind: .secondaryCapture, reason: "secondary capture SOP class"), false)
        }
        if !sop.isEmpty, !ultrasoundClasses.contains(sop) {
            return (Verdict(kind: .unknown, reason: "not an ultrasound image SOP class"), false)
        }
        let regions = header.regions.filter {
            !$0.hasZeroArea && $0.clampedBox(rows: header.rows, columns: header.columns) != nil
        }
        if regions.contains(where: { $0.spatialFormat == 3 || $0.dataType == 3 || $0.dataType == 4 }) {
            return (Verdict(kind: .spectralDoppler, reason: "spectral Doppler region"), false)
        }
        if regions.contains(where: { $0.spatialFormat == 2 }) {
            return (Verdict(kind: .mMode, reason: "M-mode region"), false)
        }
        let tissue = tissueBoxes(header)
        if tissue.count >= 2 {
            return (Verdict(kind: .multiView, reason: "\(tissue.count) 2D tissue regions"), false)
        }
        if regions.contains(where: { $0.dataType == 2 }) {
            return (Verdict(kind: .colourFlow, reason: "colour-flow region"), false)
        }
        let modes = header.imageType.count >= 4 ? Int(header.imageType[3], radix: 16) : nil
        if let modes {
            if modes & 0x000C != 0 { return (Verdict(kind: .spectralDoppler, reason: "image type: spectral Doppler"), false) }
            if modes & 0x0022 != 0 { return (Verdict(kind: .mMode, reason: "image type: M-mode"), false) }
            if modes & 0x0110 != 0 { return (Verdict(kind: .colourFlow, reason: "image type: colour Doppler"), false) }
        }
        if tissue.isEmpty {
            let derived =
                header.imageType.count >= 2 && header.imageType[0].uppercased() == "DERIVED"
                && header.imageType[1].uppercased() == "SECONDARY"
            if derived { return (Verdict(kind: .secondaryCapture, reason: "image type DERIVED\\SECONDARY, no tissue region"), false) }
            if !regions.isEmpty, !regions.contains(where: { $0.spatialFormat == 1 }) {
                return (Verdict(kind: .secondaryCapture, reason: "no 2D region (waveform or graphics only)"), false)
            }
        }
        let reason = tissue.isEmpty ? (regions.isEmpty ? "no regions" : "2D region") : "one 2D tissue region"
        // The pixels are read only when the header is silent (no mode bit map): a colour image
        // may hide a colour box, and one without a tissue region may be a page. A grey image
        // with a tissue region cannot hide colour. So the crawl stays header-only for scanners
        // that state their modes.
        let needsPixels = modes == nil && (header.samplesPerPixel == 3 || tissue.isEmpty)
        return (Verdict(kind: .bmode, reason: reason), needsPixels)
    }

    /// The full verdict: the header's, refined by sampling frames first, middle and last.
    static func classify(header: Header, frameCount: Int, frames: FrameSource) -> Verdict {
        let (verdict, needsPixels) = classify(header: header)
        guard needsPixels else { return verdict }
        let tissue = tissueBoxes(header).first
        let indices = Array(Set([0, frameCount / 2, max(0, frameCount - 1)])).sorted()
        var chromatic = 0, sampled = 0, flatFrames = 0
        do {
            for index in indices {
                let frame = try frames(index)
                guard frame.sampleType.byteCount == 1, frame.samplesPerPixel == 1 || frame.samplesPerPixel == 3 else {
                    return Verdict(kind: .unknown, reason: "pixels not sampled (not 8-bit grey or RGB)")
                }
                let stats = sample(frame, box: tissue ?? PixelBox(x: 0, y: 0, width: frame.columns, height: frame.rows))
                chromatic += stats.chromatic
                sampled += stats.count
                if tissue == nil, stats.flat { flatFrames += 1 }
            }
        } catch {
            return Verdict(kind: .unknown, reason: "pixels not sampled (decoding failed)")
        }
        let share = Double(chromatic) / Double(max(sampled, 1))
        if share >= colourShare {
            return Verdict(kind: .colourFlow, reason: "chromatic pixels in the tissue image")
        }
        if tissue == nil, flatFrames == indices.count {
            return Verdict(kind: .secondaryCapture, reason: "mostly flat background (text or graphics), no tissue region")
        }
        return Verdict(kind: .bmode, reason: verdict.reason + ", grey pixels")
    }

    /// Chromatic pixels among a grid sample of `box`, and whether the sample is mostly one level.
    static func sample(_ frame: PixelFrame, box: PixelBox) -> (count: Int, chromatic: Int, flat: Bool) {
        let step = max(1, Int((Double(box.area) / Double(samplesPerFrame)).squareRoot()))
        let spp = frame.samplesPerPixel
        var histogram = [Int](repeating: 0, count: 256)
        var count = 0, chromatic = 0
        frame.data.withUnsafeBufferPointer { data in
            var y = box.y
            while y < box.y + box.height {
                var x = box.x
                while x < box.x + box.width {
                    let offset = (y * frame.columns + x) * spp
                    if spp == 3 {
                        let r = Int(data[offset]), g = Int(data[offset + 1]), b = Int(data[offset + 2])
                        if max(r, g, b) - min(r, g, b) > chromaThreshold { chromatic += 1 }
                        histogram[(299 * r + 587 * g + 114 * b) / 1000] += 1
                    } else {
                        histogram[Int(data[offset])] += 1
                    }
                    count += 1
                    x += step
                }
                y += step
            }
        }
        let mode = histogram.indices.max { histogram[$0] < histogram[$1] } ?? 0
        let near = histogram[max(0, mode - flatTolerance)...min(255, mode + flatTolerance)].reduce(0, +)
        return (count, chromatic, Double(near) >= flatShare * Double(max(count, 1)))
    }
}
