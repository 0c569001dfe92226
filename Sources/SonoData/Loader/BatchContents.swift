/// One batch as plain arrays: what the loader's workers assemble. Turning it into tensors is the
/// trainer's business (SonoTrain), which keeps SonoData — and every command that only crawls,
/// labels or caches — free of libtorch.
public struct BatchContents: Equatable, Sendable {
    /// `count × 1 × height × width` values, z-scored and augmented, row-major.
    public var images: [Float]
    /// `count × labelCount` weak labels, in `CohortDataset.groupNames` order.
    public var labels: [Float]
    /// Manifest file id of each image.
    public var ids: [Int64]
    /// Frame index of each image within its file.
    public var frames: [Int]
    /// Position of this batch in its epoch.
    public var index: Int
    public var height: Int
    public var width: Int
    public var labelCount: Int

    /// Images in the batch.
    public var count: Int { ids.count }
    /// `[count, 1, height, width]`.
    public var imageShape: [Int] { [count, 1, height, width] }
    /// `[count, labelCount]`.
    public var labelShape: [Int] { [count, labelCount] }
}
