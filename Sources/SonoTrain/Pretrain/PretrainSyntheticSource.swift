import Foundation
import SeededRandom
import Torch

extension InMemoryBatchSource {
    /// Generated images for smoke runs and benchmarks without a cohort: z-scored bright discs on
    /// a textured background whose texture frequency encodes one of `labelCount` classes, so the
    /// in-painting and label tasks both have structure to learn. Deterministic for a seed.
    public static func synthetic(count: Int, height: Int, width: Int, labelCount: Int = 10, seed: UInt64 = 0) throws -> InMemoryBatchSource
    {
        guard count >= 1, height >= 1, width >= 1, labelCount >= 1 else {
            throw PretrainError.invalidBatch(reason: "synthetic data needs positive count, size and label count")
        }
        var rng = SplitMix64(seed: seed)
        var pixels = [Float](repeating: 0, count: count * height * width)
        var labels = [Float](repeating: 0, count: count * labelCount)
        var captions: [String] = []
        for i in 0..<count {
            let cx = Double(rng.next() % UInt64(width)), cy = Double(rng.next() % UInt64(height))
            let r = Double(height) / 8 + Double(rng.next() % UInt64(max(1, height / 4)))
            let kind = Int(rng.next() % UInt64(labelCount))
            let base = i * height * width
            var sum = 0.0, sq = 0.0
            for row in 0..<height {
                for col in 0..<width {
                    let dx = Double(col) - cx, dy = Double(row) - cy
                    let v = ((dx * dx + dy * dy) < r * r ? 1.0 : 0.0) + 0.3 * sin(Double(row + col * (kind + 1)) / 5)
                    pixels[base + row * width + col] = Float(v)
                    sum += v
                    sq += v * v
                }
            }
            let n = Double(height * width), mean = sum / n
            let sd = max((sq / n - mean * mean).squareRoot(), 1e-3)
            for j in base..<(base + height * width) { pixels[j] = Float((Double(pixels[j]) - mean) / sd) }
            labels[i * labelCount + kind] = 1
            captions.append("class \(kind)")
        }
        return try InMemoryBatchSource(
            images: Tensor(pixels, shape: [count, 1, height, width]),
            labels: Tensor(labels, shape: [count, labelCount]),
            captions: captions, labelMappingHash: "synthetic-\(labelCount)")
    }
}
