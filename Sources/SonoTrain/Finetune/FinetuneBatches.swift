import Foundation
import SonoData
import Torch

/// Training tensors for one batch: images N×1×H×W, targets (masks N×C×H×W or label rows N×K).
struct FinetuneBatch {
    var images: Tensor
    var targets: Tensor
    var count: Int
}

/// SonoData's `DownstreamBatcher` (seeded shuffle, the shared augmentation) with its arrays made
/// into tensors on `device`, and classification targets gathered per image.
struct FinetuneBatcher {
    let batches: DownstreamBatcher
    /// Per-image target rows for classification (empty for segmentation).
    let labelTargets: [[Float]]
    let device: Device
    /// Class indices instead of rows, for multi-class cross-entropy.
    let classIndexTargets: Bool

    init(arrays: DownstreamArrays, labelTargets: [[Float]], task: DownstreamTask, device: Device, classIndexTargets: Bool) {
        batches = DownstreamBatcher(arrays: arrays, task: task)
        self.labelTargets = labelTargets
        self.device = device
        self.classIndexTargets = classIndexTargets
    }

    var arrays: DownstreamArrays { batches.arrays }
    var task: DownstreamTask { batches.task }

    /// Batch index lists for one epoch; a trailing batch of one is dropped (batch norm needs two).
    func epochOrder(batchSize: Int, seed: UInt64, epoch: Int, shuffle: Bool) -> [[Int]] {
        batches.epochOrder(batchSize: batchSize, seed: seed, epoch: epoch, shuffle: shuffle)
    }

    func batch(_ indices: [Int], augment: Bool, generator: inout SeededGenerator) throws -> FinetuneBatch {
        let contents = batches.batch(indices, augment: augment, generator: &generator)
        let images = try Tensor(contents.images, shape: contents.imageShape).to(device: device)
        let targets: Tensor
        if task == .segmentation {
            targets = try Tensor(contents.masks, shape: contents.maskShape).to(device: device)
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
        return FinetuneBatch(images: images, targets: targets, count: indices.count)
    }
}
