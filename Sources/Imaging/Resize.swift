/// Interpolation used when changing an image's size.
public enum ResizeMethod: Sendable, Equatable {
    /// PyTorch's `mode="nearest"`: source index `floor(i × in / out)` (in float32, as PyTorch).
    /// For masks and labels.
    case nearest
    /// PyTorch's `mode="bilinear", align_corners=False` (half-pixel centres, edge clamped).
    case bilinear
    /// Pixel-area averaging when shrinking, as OpenCV's INTER_AREA; for integer factors this is
    /// the block mean (= `adaptive_avg_pool2d`). Axes that grow fall back to bilinear.
    case area
}

/// Separable resampling weights for one axis: output `i` reads `indices[starts[i]..<starts[i+1]]`.
struct ResampleTaps {
    var starts: [Int] = [0]
    var indices: [Int] = []
    var weights: [Float] = []

    init(from input: Int, to output: Int, method: ResizeMethod) {
        let scale = Double(input) / Double(output)
        for i in 0..<output {
            switch method {
            case .nearest:
                // PyTorch computes this index in float32; doing the same picks the same source
                // pixel where i·in/out lands on (or just below) an integer.
                let index = (Float(i) * (Float(input) / Float(output))).rounded(.down)
                add(min(Int(index), input - 1), 1)
            case .area where output < input:
                addArea(i, scale: scale, input: input)
            case .bilinear, .area:
                let source = max(0, (Double(i) + 0.5) * scale - 0.5)
                let i0 = min(Int(source), input - 1)
                let i1 = min(i0 + 1, input - 1)
                let t = Float(source - Double(i0))
                add(i0, 1 - t)
                if i1 != i0 { add(i1, t) } else { weights[weights.count - 1] = 1 }
            }
            starts.append(indices.count)
        }
    }

    func withBuffers<R>(_ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Float>) -> R) -> R {
        starts.withUnsafeBufferPointer { s in
            indices.withUnsafeBufferPointer { i in weights.withUnsafeBufferPointer { w in body(s, i, w) } }
        }
    }

    private mutating func add(_ index: Int, _ weight: Float) {
        indices.append(index)
        weights.append(weight)
    }

    /// Output pixel i covers source interval [i·s, (i+1)·s); each source pixel weighs its overlap.
    private mutating func addArea(_ i: Int, scale: Double, input: Int) {
        let lo = Double(i) * scale, hi = min(Double(i + 1) * scale, Double(input))
        var j = Int(lo.rounded(.down))
        while Double(j) < hi, j < input {
            let overlap = min(hi, Double(j + 1)) - max(lo, Double(j))
            if overlap > 1e-9 { add(j, Float(overlap / scale)) }
            j += 1
        }
    }
}

/// One axis's taps laid out for a fixed-width inner loop: every output reads exactly `width`
/// source samples (`first`, `second`), with outputs that have fewer taps listed in `short` and
/// recomputed with their true taps so results match the variable-length sum bit for bit.
struct FixedTaps {
    let width: Int
    var first: [Int] = [], second: [Int] = []
    var firstWeight: [Float] = [], secondWeight: [Float] = []
    var short: [Int] = []

    /// nil when some output has more than two taps (area shrinking): use the general loop.
    init?(_ taps: ResampleTaps, outputs: Int) {
        var widest = 0
        for i in 0..<outputs { widest = max(widest, taps.starts[i + 1] - taps.starts[i]) }
        guard widest >= 1, widest <= 2 else { return nil }
        width = widest
        for i in 0..<outputs {
            let s = taps.starts[i], count = taps.starts[i + 1] - s
            first.append(taps.indices[s])
            firstWeight.append(taps.weights[s])
            second.append(count == 2 ? taps.indices[s + 1] : taps.indices[s])
            secondWeight.append(count == 2 ? taps.weights[s + 1] : 0)
            if count < widest { short.append(i) }
        }
    }
}

/// Resizes gray (one-channel) float frames of one size to another, with the tap tables built
/// once and the intermediate buffer kept between calls; for decoding many same-sized frames.
/// Results are identical to `GrayImage.resized(width:height:method:)`.
public struct GrayResampler {
    public let inputWidth: Int, inputHeight: Int
    public let outputWidth: Int, outputHeight: Int
    let across: ResampleTaps, down: ResampleTaps
    let fixedAcross: FixedTaps?
    /// Columns resampled, rows not yet: inputHeight × outputWidth.
    var intermediate: [Float]

    /// Non-positive sizes are treated as 0 (an empty result).
    public init(width: Int, height: Int, toWidth outWidth: Int, height outHeight: Int, method: ResizeMethod = .bilinear) {
        inputWidth = max(0, width)
        inputHeight = max(0, height)
        outputWidth = max(0, outWidth)
        outputHeight = max(0, outHeight)
        let valid = inputWidth > 0 && inputHeight > 0 && outputWidth > 0 && outputHeight > 0
        across = valid ? ResampleTaps(from: inputWidth, to: outputWidth, method: method) : ResampleTaps(from: 1, to: 0, method: method)
        down = valid ? ResampleTaps(from: inputHeight, to: outputHeight, method: method) : ResampleTaps(from: 1, to: 0, method: method)
        fixedAcross = valid ? FixedTaps(across, outputs: outputWidth) : nil
        intermediate = valid ? [Float](repeating: 0, count: inputHeight * outputWidth) : []
    }

    /// `source` (inputWidth × inputHeight values, row-major) resampled into `destination`
    /// (outputWidth × outputHeight values). Mismatched buffer sizes leave `destination` untouched
    /// and return false.
    @discardableResult
    public mutating func resize(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<Float>) -> Bool {
        guard source.count == inputWidth * inputHeight, destination.count == outputWidth * outputHeight else { return false }
        guard !intermediate.isEmpty, let src = source.baseAddress, let dst = destination.baseAddress else {
            if let dst = destination.baseAddress { dst.initialize(repeating: 0, count: destination.count) }
            return true
        }
        let (w, h, ow, oh) = (inputWidth, inputHeight, outputWidth, outputHeight)
        intermediate.withUnsafeMutableBufferPointer { mid in
            guard let m = mid.baseAddress else { return }
            if let fixed = fixedAcross {
                Self.resampleRowsFixed(src, width: w, height: h, into: m, outWidth: ow, taps: fixed, exact: across)
            } else {
                Self.resampleRowsGeneral(src, width: w, height: h, into: m, outWidth: ow, taps: across)
            }
            Self.resampleColumns(UnsafePointer(m), rowLength: ow, into: dst, outHeight: oh, taps: down)
        }
        return true
    }

    /// `pixels` resampled into a new array (empty when `pixels` has the wrong size).
    public mutating func resized(_ pixels: [Float]) -> [Float] {
        let count = outputWidth * outputHeight
        guard pixels.count == inputWidth * inputHeight else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            pixels.withUnsafeBufferPointer { src in _ = resize(src, into: out) }
            initialized = count
        }
    }

    /// Horizontal pass with at most two taps per output, no inner tap loop.
    private static func resampleRowsFixed(
        _ src: UnsafePointer<Float>, width: Int, height: Int,
        into dst: UnsafeMutablePointer<Float>, outWidth: Int,
        taps: FixedTaps, exact: ResampleTaps
    ) {
        taps.first.withUnsafeBufferPointer { i0 in
            taps.second.withUnsafeBufferPointer { i1 in
                taps.firstWeight.withUnsafeBufferPointer { w0 in
                    taps.secondWeight.withUnsafeBufferPointer { w1 in
                        guard let i0 = i0.baseAddress, let i1 = i1.baseAddress, let w0 = w0.baseAddress, let w1 = w1.baseAddress else {
                            return
                        }
                        for y in 0..<height {
                            let s = src + y * width, d = dst + y * outWidth
                            if taps.width == 2 {
                                for x in 0..<outWidth {
                                    // Same order as the general sum: 0 + w0·a, then + w1·b.
                                    var sum: Float = 0
                                    sum += w0[x] * s[i0[x]]
                                    sum += w1[x] * s[i1[x]]
                                    d[x] = sum
                                }
                            } else {
                                for x in 0..<outWidth {
                                    var sum: Float = 0
                                    sum += w0[x] * s[i0[x]]
                                    d[x] = sum
                                }
                            }
                            // Outputs with fewer taps (clamped edges): redo with their true taps.
                            for x in taps.short {
                                var sum: Float = 0
                                for k in exact.starts[x]..<exact.starts[x + 1] { sum += exact.weights[k] * s[exact.indices[k]] }
                                d[x] = sum
                            }
                        }
                    }
                }
            }
        }
    }

    private static func resampleRowsGeneral(
        _ src: UnsafePointer<Float>, width: Int, height: Int,
        into dst: UnsafeMutablePointer<Float>, outWidth: Int, taps: ResampleTaps
    ) {
        taps.withBuffers { starts, indices, weights in
            for y in 0..<height {
                let s = src + y * width, d = dst + y * outWidth
                for x in 0..<outWidth {
                    var sum: Float = 0
                    for k in starts[x]..<starts[x + 1] { sum += weights[k] * s[indices[k]] }
                    d[x] = sum
                }
            }
        }
    }

    /// Vertical pass: each output row is a weighted sum of whole intermediate rows (contiguous, vectorisable).
    static func resampleColumns(
        _ src: UnsafePointer<Float>, rowLength: Int, into dst: UnsafeMutablePointer<Float>,
        outHeight: Int, taps: ResampleTaps
    ) {
        taps.withBuffers { starts, indices, weights in
            for y in 0..<outHeight {
                let d = dst + y * rowLength
                let lo = starts[y], hi = starts[y + 1]
                if hi - lo == 2 {
                    let a = src + indices[lo] * rowLength, b = src + indices[lo + 1] * rowLength
                    let wa = weights[lo], wb = weights[lo + 1]
                    for i in 0..<rowLength { d[i] = (0 + wa * a[i]) + wb * b[i] }
                } else if hi > lo {
                    let a = src + indices[lo] * rowLength, wa = weights[lo]
                    for i in 0..<rowLength { d[i] = 0 + wa * a[i] }
                    for k in (lo + 1)..<hi {
                        let b = src + indices[k] * rowLength, wb = weights[k]
                        for i in 0..<rowLength { d[i] += wb * b[i] }
                    }
                } else {
                    d.initialize(repeating: 0, count: rowLength)
                }
            }
        }
    }
}

/// Resamples interleaved float samples (`channels` per pixel), columns first, then rows.
func resample(
    _ pixels: [Float], width: Int, height: Int, channels: Int,
    toWidth outWidth: Int, height outHeight: Int, method: ResizeMethod
) -> [Float] {
    guard width > 0, height > 0, outWidth > 0, outHeight > 0 else {
        return [Float](repeating: 0, count: max(0, outWidth) * max(0, outHeight) * channels)
    }
    if channels == 1 {
        var resampler = GrayResampler(width: width, height: height, toWidth: outWidth, height: outHeight, method: method)
        return resampler.resized(pixels)
    }
    let across = ResampleTaps(from: width, to: outWidth, method: method)
    let down = ResampleTaps(from: height, to: outHeight, method: method)
    var rows = [Float](repeating: 0, count: height * outWidth * channels)
    across.withBuffers { starts, indices, weights in
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let srcRow = y * width * channels, dstRow = y * outWidth * channels
                    for x in 0..<outWidth {
                        for k in starts[x]..<starts[x + 1] {
                            let w = weights[k], s = srcRow + indices[k] * channels
                            for c in 0..<channels { dst[dstRow + x * channels + c] += w * src[s + c] }
                        }
                    }
                }
            }
        }
    }
    let rowLength = outWidth * channels
    return [Float](unsafeUninitializedCapacity: outHeight * rowLength) { out, initialized in
        rows.withUnsafeBufferPointer { src in
            if let s = src.baseAddress, let d = out.baseAddress {
                GrayResampler.resampleColumns(s, rowLength: rowLength, into: d, outHeight: outHeight, taps: down)
            }
        }
        initialized = outHeight * rowLength
    }
}

extension GrayImage {
    /// This image resampled to `width`×`height`. Non-positive sizes give an empty image.
    public func resized(width newWidth: Int, height newHeight: Int, method: ResizeMethod = .bilinear) -> GrayImage {
        let w = max(0, newWidth), h = max(0, newHeight)
        let values = resample(pixels, width: width, height: height, channels: 1, toWidth: w, height: h, method: method)
        return GrayImage(unchecked: w, h, values)
    }

    init(unchecked width: Int, _ height: Int, _ pixels: [Float]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

extension Raster {
    /// This raster resampled channel by channel, rounded and clamped back to 8 bits.
    public func resized(width newWidth: Int, height newHeight: Int, method: ResizeMethod = .bilinear) -> Raster {
        let w = max(0, newWidth), h = max(0, newHeight)
        if method == .nearest {
            // Exact copies: no float round trip for label images.
            let across = ResampleTaps(from: max(width, 1), to: w, method: .nearest)
            let down = ResampleTaps(from: max(height, 1), to: h, method: .nearest)
            var out = Raster(width: w, height: h, channels: channels)
            guard !isEmpty else { return out }
            for y in 0..<h {
                let sy = down.indices[y]
                for x in 0..<w {
                    let s = offset(x: across.indices[x], y: sy), d = out.offset(x: x, y: y)
                    for c in 0..<channels { out.pixels[d + c] = pixels[s + c] }
                }
            }
            return out
        }
        let values = resample(
            pixels.map(Float.init), width: width, height: height, channels: channels,
            toWidth: w, height: h, method: method)
        var out = Raster(width: w, height: h, channels: channels)
        for i in values.indices { out.pixels[i] = UInt8(clamping: Int(values[i].rounded())) }
        return out
    }
}
