import SeededRandom

/// One fine-tuning batch as plain arrays, like `BatchContents` for pretraining: SonoTrain turns
/// it into tensors, so the downstream data path stays free of libtorch.
public struct DownstreamBatchContents: Equatable, Sendable {
    /// `count × 1 × height × width`, z-scored, augmented when asked.
    public var images: [Float]
    /// `count × maskChannels × height × width`, 0 or 1, moved exactly as its image (segmentation;
    /// empty for classification).
    public var masks: [Float]
    /// Rows of `DownstreamArrays` in this batch, in order.
    public var indices: [Int]
    public var height: Int
    public var width: Int
    public var maskChannels: Int

    public var count: Int { indices.count }
    public var imageShape: [Int] { [count, 1, height, width] }
    public var maskShape: [Int] { [count, maskChannels, height, width] }
}

/// Shuffled, augmented batches of a decoded downstream split, with SonoData's seeded shuffle and
/// the same augmentation as pretraining (`AugmentationSettings`). Randomness comes only from the
/// caller's generators, seeded by (seed, epoch), so a resumed run sees exactly the batches it
/// would have seen.
public struct DownstreamBatcher: Sendable {
    public let arrays: DownstreamArrays
    public let task: DownstreamTask
    /// The augmentation of training batches; the paper's flip and shift by default.
    public var augmentation: AugmentationSettings

    public init(arrays: DownstreamArrays, task: DownstreamTask, augmentation: AugmentationSettings = .paper) {
        self.arrays = arrays
        self.task = task
        self.augmentation = augmentation
    }

    /// Batch index lists for one epoch; a trailing batch of one is dropped when shuffling
    /// (training: batch norm needs two).
    public func epochOrder(batchSize: Int, seed: UInt64, epoch: Int, shuffle: Bool) -> [[Int]] {
        var order = Array(0..<arrays.count)
        if shuffle {
            var generator = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch))
            order.seededShuffle(&generator)
        }
        var batches = stride(from: 0, to: order.count, by: batchSize).map { Array(order[$0..<min($0 + batchSize, order.count)]) }
        if shuffle, let last = batches.last, last.count == 1, batches.count > 1 { batches.removeLast() }
        return batches
    }

    /// The images (and masks) of `indices`; with `augment`, one draw per image from `generator`,
    /// applied to the image and, without the intensity part, to each of its mask channels.
    public func batch(_ indices: [Int], augment: Bool, generator: inout SeededGenerator) -> DownstreamBatchContents {
        let h = arrays.height, w = arrays.width, plane = h * w
        let c = task == .segmentation ? arrays.maskChannels : 0
        var images = [Float](repeating: 0, count: indices.count * plane)
        var masks = [Float](repeating: 0, count: indices.count * plane * c)
        arrays.images.withUnsafeBufferPointer { sourceImages in
            arrays.masks.withUnsafeBufferPointer { sourceMasks in
                images.withUnsafeMutableBufferPointer { outImages in
                    masks.withUnsafeMutableBufferPointer { outMasks in
                        for (slot, index) in indices.enumerated() {
                            let image = sourceImages.baseAddress! + index * plane
                            guard augment else {
                                (outImages.baseAddress! + slot * plane).update(from: image, count: plane)
                                if c > 0 {
                                    (outMasks.baseAddress! + slot * c * plane).update(
                                        from: sourceMasks.baseAddress! + index * c * plane, count: c * plane)
                                }
                                continue
                            }
                            let draw = augmentation.draw(width: w, height: h, using: &generator)
                            draw.apply(image, to: outImages.baseAddress! + slot * plane, width: w, height: h)
                            // Masks move with their image but keep their 0/1 values.
                            let geometry = draw.geometryOnly
                            for k in 0..<c {
                                geometry.apply(
                                    sourceMasks.baseAddress! + (index * c + k) * plane,
                                    to: outMasks.baseAddress! + (slot * c + k) * plane, width: w, height: h)
                            }
                        }
                    }
                }
            }
        }
        return DownstreamBatchContents(images: images, masks: masks, indices: indices, height: h, width: w, maskChannels: c)
    }
}
