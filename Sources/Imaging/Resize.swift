/// Interpolation used when changing an image's size.
public enum ResizeMethod: Sendable, Equatable {
    /// PyTorch's `mode="nearest"`: source index `floor(i × in / out)`. For masks and labels.
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
                add(min(Int((Double(i) * scale).rounded(.down)), input - 1), 1)
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

/// Resamples interleaved float samples (`channels` per pixel), columns first, then rows.
func resample(_ pixels: [Float], width: Int, height: Int, channels: Int,
              toWidth outWidth: Int, height outHeight: Int, method: ResizeMethod) -> [Float] {
    guard width > 0, height > 0, outWidth > 0, outHeight > 0 else {
        return [Float](repeating: 0, count: max(0, outWidth) * max(0, outHeight) * channels)
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
                        if channels == 1 {
                            // The common gray case, kept free of the inner channel loop.
                            var sum: Float = 0
                            for k in starts[x]..<starts[x + 1] { sum += weights[k] * src[srcRow + indices[k]] }
                            dst[dstRow + x] = sum
                        } else {
                            for k in starts[x]..<starts[x + 1] {
                                let w = weights[k], s = srcRow + indices[k] * channels
                                for c in 0..<channels { dst[dstRow + x * channels + c] += w * src[s + c] }
                            }
                        }
                    }
                }
            }
        }
    }
    var out = [Float](repeating: 0, count: outHeight * outWidth * channels)
    let rowLength = outWidth * channels
    rows.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<outHeight {
                for k in down.starts[y]..<down.starts[y + 1] {
                    let w = down.weights[k], s = down.indices[k] * rowLength
                    for i in 0..<rowLength { dst[y * rowLength + i] += w * src[s + i] }
                }
            }
        }
    }
    return out
}

extension GrayImage {
    /// This image resampled to `width`×`height`. Non-positive sizes give an empty image.
    public func resized(width newWidth: Int, height newHeight: Int, method: ResizeMethod = .bilinear) -> GrayImage {
        let w = max(0, newWidth), h = max(0, newHeight)
        let values = resample(pixels, width: width, height: height, channels: 1, toWidth: w, height: h, method: method)
        return GrayImage(unchecked: w, h, values)
    }

    init(unchecked width: Int, _ height: Int, _ pixels: [Float]) {
        self.init(width: width, height: height)
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
        let values = resample(pixels.map(Float.init), width: width, height: height, channels: channels,
                              toWidth: w, height: h, method: method)
        var out = Raster(width: w, height: h, channels: channels)
        for i in values.indices { out.pixels[i] = UInt8(clamping: Int(values[i].rounded())) }
        return out
    }
}
