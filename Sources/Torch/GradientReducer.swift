import CTorch

/// Gradients all-reduced while the backward pass is still running, as PyTorch's
/// DistributedDataParallel does: the parameters are packed, last layer first, into flat buckets,
/// and a bucket's collective starts as soon as backward has produced every gradient in it, so
/// communication of the late layers overlaps the computation of the early ones. Buckets start in
/// the same order on every member, whatever order the hooks fire in.
///
/// The result equals `ProcessGroup.allReduce` of the same gradients after backward: each element
/// is the same sum, only started earlier.
public final class GradientReducer: @unchecked Sendable {
    let handle: ct_grad_reducer
    /// The group it reduces over (kept alive: the shim holds only a pointer to it).
    public let group: ProcessGroup
    public let bucketCount: Int
    /// Buckets whose all-reduce had started before the last backward pass returned.
    public private(set) var bucketsStartedDuringBackward = 0

    /// DDP's defaults: a 1 MB first bucket gets communication going early, 25 MB afterwards
    /// amortise each collective's fixed cost.
    public init(group: ProcessGroup, parameters: [Tensor], firstBucketBytes: Int = 1 << 20, bucketBytes: Int = 25 << 20) throws {
        var out: ct_grad_reducer?
        let handles: [ct_tensor?] = parameters.map(\.handle)
        let error = handles.withUnsafeBufferPointer {
            ct_grad_reducer_new(group.handle, $0.baseAddress, Int64($0.count), Int64(firstBucketBytes), Int64(bucketBytes), &out)
        }
        try check(error, "gradient reducer over \(parameters.count) parameters")
        guard let out else { throw TorchError(operation: "gradient reducer", message: "libtorch returned no reducer") }
        handle = out
        self.group = group
        var count: Int32 = 0
        try check(ct_grad_reducer_bucket_count(out, &count), "gradient reducer buckets")
        bucketCount = Int(count)
    }

    deinit { ct_grad_reducer_free(handle) }

    /// Runs `backward` with the reducer listening, then waits for every bucket: each parameter
    /// gradient backward produced holds the group's mean (`average`) or sum.
    public func reduce(average: Bool = true, during backward: () throws -> Void) throws {
        try check(ct_grad_reducer_arm(handle), "gradient reducer")
        var backwardError: Error?
        do { try backward() } catch { backwardError = error }
        // Finished even after a failed backward, so that no member is left waiting for this one.
        var early: Int32 = 0
        let error = ct_grad_reducer_finish(handle, average, &early)
        if let backwardError {
            if let error { ct_error_free(error) }
            throw backwardError
        }
        try group.throwIfFailed(error, "all_reduce of gradients (\(bucketCount) buckets)")
        bucketsStartedDuringBackward = Int(early)
    }
}
