import Foundation
import SonoData
import Torch

/// Training tensors for one batch: images N×1×H×W, targets (masks N×C×H×W or label rows N×K).
struct FinetuneBatch {
    var images: Tensor
    var targets: Tensor
    var count: Int
}

/// Turns decoded arrays into shuffled, augmented batches. Randomness comes from a generator
/// seeded by (seed, epoch), so a resumed run sees exactly the batches it would have seen.
struct FinetuneBatcher {
    let arrays: DownstreamArrays
    /// Per-image target rows for classification (empty for segmentation).
    let labelTargets: [[Float]]
    let task: DownstreamTask
    let device: Device
    /// Class indices instead of rows, for multi-class cross-entropy.
    let classIndexTargets: Bool

    var plane: Int { arrays.height * arrays.width }

    /// Batch index lists for one epoch; a trailing batch of one is dropped (batch norm needs two).
    func epochOrder(batchSize: Int, seed: UInt64, epoch: Int, shuffle: Bool) -> [[Int]] {
        var order = Array(0..<arrays.count)
        if shuffle {
            var generator = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch))
            // Fisher–Yates by hand: the standard library's shuffle may consume the generator
            // differently across versions, which would break resume equivalence.
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, generator.nextInt(below: i + 1))
            }
        }
        var batches = stride(from: 0, to: order.count, by: batchSize).map { Array(order[$0..<min($0 + batchSize, order.count)]) }
        if shuffle, let last = batches.last, last.count == 1, batches.count > 1 { batches.removeLast() }
        return batches
    }

    func batch(_ indices: [Int], augment: Bool, generator: inout SeededGenerator) throws -> FinetuneBatch {
        let h = arrays.height, w = arrays.width, c = arrays.maskChannels
        var images = [Float](repeating: 0, count: indices.count * plane)
        var masks = [Float](repeating: 0, count: task == .segmentation ? indices.count * plane * c : 0)
        for (slot, index) in indices.enumerated() {
            // The paper's augmentation: random horizontal flip and vertical/horizontal shift
            // (up to 10 % of the size; the uncovered border is 0, the mean after z-scoring).
            let flip = augment && generator.nextInt(below: 2) == 1
            let dy = augment ? generator.nextInt(below: 2 * (h / 10) + 1) - h / 10 : 0
            let dx = augment ? generator.nextInt(below: 2 * (w / 10) + 1) - w / 10 : 0
            copyPlane(arrays.images, from: index * plane, to: &images, at: slot * plane, flip: flip, dy: dy, dx: dx)
            for k in 0..<c where task == .segmentation {
                copyPlane(arrays.masks, from: (index * c + k) * plane, to: &masks, at: (slot * c + k) * plane, flip: flip, dy: dy, dx: dx)
            }
        }
        let imageTensor = try Tensor(images, shape: [indices.count, 1, h, w]).to(device: device)
        let targets: Tensor
        if task == .segmentation {
            targets = try Tensor(masks, shape: [indices.count, c, h, w]).to(device: device)
        } else if classIndexTargets {
            let classes = indices.map { index -> Int64 in
                let row = labelTargets[index]
                return Int64(row.indices.max { row[$0] < row[$1] } ?? 0)
            }
            targets = try Tensor(classes, shape: [indices.count]).to(device: device)
        } else {
            let k = labelTargets.first?.count ?? 0
            targets = try Tensor(indices.flatMap { labelTargets[$0] }, shape: [indices.count, k]).to(device: device)
        }
        return FinetuneBatch(images: imageTensor, targets: targets, count: indices.count)
    }

    private func copyPlane(_ source: [Float], from offset: Int, to destination: inout [Float], at out: Int, flip: Bool, dy: Int, dx: Int) {
        let h = arrays.height, w = arrays.width
        source.withUnsafeBufferPointer { src in
            destination.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let sy = y - dy
                    guard sy >= 0, sy < h else { continue }
                    for x in 0..<w {
                        var sx = x - dx
                        guard sx >= 0, sx < w else { continue }
                        if flip { sx = w - 1 - sx }
                        dst[out + y * w + x] = src[offset + sy * w + sx]
                    }
                }
            }
        }
    }
}
