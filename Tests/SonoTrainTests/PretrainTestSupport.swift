import Foundation
import SonoModels
import Torch
@testable import SonoTrain

/// A configuration small enough for CPU tests: ResNet-18 at 64×96, narrow decoder and discriminator.
func tinyConfig(method: PretrainMethod = .ceDCM, epochs: Int = 2, batchSize: Int = 4) -> RunConfig {
    var c = RunConfig()
    c.method = method
    c.backbone = .resnet18
    c.height = 64
    c.width = 96
    c.batchSize = batchSize
    c.epochs = epochs
    c.decoderWidths = [16, 16, 8, 8]
    c.discriminatorWidths = [8, 8, 16, 16]
    c.gridImages = 2
    c.seed = 7
    return c
}

/// Smooth synthetic "ultrasound" images (z-scored blobs) with 3 labels derived from them, so the
/// in-painting task has structure to learn.
func syntheticSource(count: Int, seed: UInt64, labels: Int = 3) throws -> InMemoryBatchSource {
    var rng = SplitMix64(seed: seed)
    var pixels: [Float] = []
    var y: [Float] = []
    for _ in 0..<count {
        let cx = Double(rng.next() % 96), cy = Double(rng.next() % 64), r = 8 + Double(rng.next() % 16)
        let kind = Int(rng.next() % UInt64(labels))
        var img: [Float] = []
        for row in 0..<64 {
            for col in 0..<96 {
                let d = ((Double(col) - cx) * (Double(col) - cx) + (Double(row) - cy) * (Double(row) - cy)).squareRoot()
                img.append(Float((d < r ? 1.0 : 0.0) + 0.3 * sin(Double(row + col * (kind + 1)) / 5)))
            }
        }
        let mean = img.reduce(0, +) / Float(img.count)
        let sd = (img.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(img.count)).squareRoot()
        pixels += img.map { ($0 - mean) / max(sd, 1e-3) }
        y += (0..<labels).map { $0 == kind ? 1 : 0 }
    }
    return try InMemoryBatchSource(images: Tensor(pixels, shape: [count, 1, 64, 96]), labels: Tensor(y, shape: [count, labels]),
                                   captions: (0..<count).map { "img\($0)" }, labelMappingHash: "test-hash")
}

func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sonotag-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
