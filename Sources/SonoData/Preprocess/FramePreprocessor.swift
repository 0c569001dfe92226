import Foundation
import Imaging

/// Decodes the grayscale frames of a manifest file (the DICOM-backed implementation is
/// `DICOMFrameDecoder`; tests can supply synthetic frames).
protocol FrameDecoding: Sendable {
    /// Calls `body` with each requested grayscale frame (palette applied, RGB → luma,
    /// MONOCHROME1 inverted), one at a time so a long cine never sits in memory whole.
    func forEachGrayscaleFrame(of file: FileRecord, indices: [Int], _ body: (Int, GrayImage) throws -> Void) throws
}

/// The part of a frame one sample is made of.
struct FrameView: Sendable, Equatable {
    var box: CropBox
    /// Millimetres per pixel across and down, from the region's Physical Delta X/Y when both are
    /// in cm (Physical Units 3); nil when the file does not say.
    var spacing: PixelSpacing?
}

struct PixelSpacing: Sendable, Equatable {
    var x: Double
    var y: Double

    /// The spacing a stored region states: deltas are magnitudes already (the crawl made them so).
    init?(_ region: StoredRegion) {
        guard region.unitsX == 3, region.unitsY == 3, let dx = region.deltaX, let dy = region.deltaY,
            dx.isFinite, dy.isFinite, dx > 0, dy > 0
        else { return nil }
        x = dx * 10
        y = dy * 10
    }

    init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// Crop → resize → stored-value scaling, for one frame.
struct FramePreprocessor: Sendable {
    let settings: PreprocessSettings

    /// The samples one frame of `file` gives: one per 2D tissue region with `splitViews` when it
    /// has several (file order), else one for the crop box.
    func views(for file: FileRecord, width: Int, height: Int) -> [FrameView] {
        let regions = file.storedRegions
        if settings.splitViews {
            let tissue = regions.filter { region in
                region.spatialFormat == 1 && region.dataType == 1 && region.x1 > region.x0 && region.y1 > region.y0
            }
            let views = tissue.compactMap { region -> FrameView? in
                let box = Self.clamp(CropBox(x0: region.x0, y0: region.y0, x1: region.x1, y1: region.y1), width: width, height: height)
                return box.map { FrameView(box: $0, spacing: PixelSpacing(region)) }
            }
            if views.count > 1 { return views }
        }
        // The region the crawl chose for the crop states the spacing, cropped to or not.
        let chosen = file.cropBox.flatMap { crop in regions.first { CropBox(x0: $0.x0, y0: $0.y0, x1: $0.x1, y1: $0.y1) == crop } }
        return [FrameView(box: cropBox(for: file, width: width, height: height), spacing: chosen.flatMap(PixelSpacing.init))]
    }

    /// How many samples each selected frame of `file` gives (from its manifest row).
    func viewCount(for file: FileRecord) -> Int {
        guard settings.splitViews else { return 1 }
        return views(for: file, width: file.columns ?? 0, height: file.rows ?? 0).count
    }

    /// Whether `--mm-per-pixel` cannot be honoured for `file` (no spacing in cm): it is resized plainly.
    func lacksSpacing(_ file: FileRecord) -> Bool {
        settings.millimetresPerPixel != nil
            && views(for: file, width: file.columns ?? 0, height: file.rows ?? 0).contains { $0.spacing == nil }
    }

    /// The crop box for a file: its 2D tissue region when asked and plausible, else the image.
    func cropBox(for file: FileRecord, width: Int, height: Int) -> CropBox {
        let whole = CropBox(x0: 0, y0: 0, x1: width, y1: height)
        guard settings.cropToTissue, let box = file.cropBox else { return whole }
        return Self.clamp(box, width: width, height: height) ?? whole
    }

    /// `box` inside a `width` × `height` frame; nil for a region of a few pixels, which is a
    /// broken header rather than a tissue image.
    static func clamp(_ box: CropBox, width: Int, height: Int) -> CropBox? {
        let x0 = max(0, min(box.x0, width)), x1 = max(x0, min(box.x1, width))
        let y0 = max(0, min(box.y0, height)), y1 = max(y0, min(box.y1, height))
        guard x1 - x0 >= 8, y1 - y0 >= 8 else { return nil }
        return CropBox(x0: x0, y0: y0, x1: x1, y1: y1)
    }

    /// `process(_:box:)` for one view: at a common physical scale when asked and the view's
    /// spacing is known, else stretched to the output size.
    func process(_ frame: GrayImage, view: FrameView) throws -> [Float] {
        guard let target = settings.millimetresPerPixel, let spacing = view.spacing else { return try process(frame, box: view.box) }
        let crop = try cropped(frame, to: view.box)
        let scaledWidth = max(1, Int((Double(view.box.width) * spacing.x / target).rounded()))
        let scaledHeight = max(1, Int((Double(view.box.height) * spacing.y / target).rounded()))
        let shrinking = scaledWidth <= crop.width && scaledHeight <= crop.height
        let scaled = crop.resized(width: scaledWidth, height: scaledHeight, method: shrinking ? .area : .bilinear)
        // Centred in the output: what does not fit is cut evenly on both sides, the rest stays 0
        // (black, as the background around an ultrasound sector is).
        var pixels = [Float](repeating: 0, count: settings.width * settings.height)
        let dx = (settings.width - scaledWidth) / 2, dy = (settings.height - scaledHeight) / 2
        for y in max(0, dy)..<min(settings.height, dy + scaledHeight) {
            for x in max(0, dx)..<min(settings.width, dx + scaledWidth) {
                pixels[y * settings.width + x] = scaled.pixels[(y - dy) * scaledWidth + (x - dx)]
            }
        }
        return fitStorage(pixels)
    }

    private func cropped(_ frame: GrayImage, to box: CropBox) throws -> GrayImage {
        if box == CropBox(x0: 0, y0: 0, x1: frame.width, y1: frame.height) { return frame }
        var values = [Float](repeating: 0, count: box.width * box.height)
        for y in 0..<box.height {
            let row = (box.y0 + y) * frame.width + box.x0
            for x in 0..<box.width { values[y * box.width + x] = frame.pixels[row + x] }
        }
        return try GrayImage(width: box.width, height: box.height, pixels: values)
    }

    /// The values to store: `height × width`, in [0, 255] for uint8 storage (8-bit data unchanged;
    /// wider ranges min–max scaled, which per-image z-scoring does not see).
    func process(_ frame: GrayImage, box: CropBox) throws -> [Float] {
        let image = try cropped(frame, to: box)
        let shrinking = box.width >= settings.width && box.height >= settings.height
        return fitStorage(image.resized(width: settings.width, height: settings.height, method: shrinking ? .area : .bilinear).pixels)
    }

    /// Values as the storage type holds them: [0, 255] for uint8 (8-bit data unchanged, wider
    /// ranges min–max scaled), untouched for float16.
    private func fitStorage(_ values: [Float]) -> [Float] {
        var pixels = values
        if settings.storage == .uint8, !Self.isWithinByteRange(values) {
            var low = Float.infinity, high = -Float.infinity
            for value in pixels where value.isFinite { low = min(low, value); high = max(high, value) }
            if low < 0 || high > 255 {
                let scale: Float = high > low ? 255 / (high - low) : 0
                for i in pixels.indices { pixels[i] = (pixels[i] - low) * scale }
            }
        }
        return pixels
    }

    /// Whether every value is a number in [0, 255]: the common 8-bit case, checked in one
    /// branch-free pass (the filtered min/max scan measured 15% of a frame's time). NaN or an
    /// infinity answers false, so the exact scan decides.
    static func isWithinByteRange(_ values: [Float]) -> Bool {
        values.withUnsafeBufferPointer { v in
            guard let base = v.baseAddress else { return true }
            let lanes = 8, whole = v.count / lanes * lanes
            var inside = SIMDMask<SIMD8<Int32>>(repeating: true)
            let low = SIMD8<Float>(repeating: 0), high = SIMD8<Float>(repeating: 255)
            let raw = UnsafeRawPointer(base)
            for offset in stride(from: 0, to: whole * MemoryLayout<Float>.stride, by: lanes * MemoryLayout<Float>.stride) {
                let chunk = raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                inside = inside .& (chunk .>= low) .& (chunk .<= high)
            }
            var tail = true
            for x in v[whole...] where !(x >= 0 && x <= 255) { tail = false }
            return tail && all(inside)
        }
    }
}
