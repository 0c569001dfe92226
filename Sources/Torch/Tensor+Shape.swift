import CTorch

extension Tensor {
    /// Same elements in a new shape (a view when possible, a copy otherwise). One entry may be -1.
    public func reshaped(to shape: [Int]) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor(describe("reshape to \(shape)", self)) { ct_reshape(handle, dims, Int64(dims.count), $0) }
    }

    /// A view with a new shape; throws when the memory layout does not allow it.
    public func viewed(as shape: [Int]) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor(describe("view as \(shape)", self)) { ct_view(handle, dims, Int64(dims.count), $0) }
    }

    public func permuted(_ dims: [Int]) throws -> Tensor {
        let d = dims.map(Int64.init)
        return try makeTensor(describe("permute \(dims)", self)) { ct_permute(handle, d, Int64(d.count), $0) }
    }

    public func transposed(_ dim0: Int, _ dim1: Int) throws -> Tensor {
        try makeTensor(describe("transpose(\(dim0), \(dim1))", self)) { ct_transpose(handle, Int64(dim0), Int64(dim1), $0) }
    }

    /// `length` entries of `dim` starting at `start` (a view).
    public func narrowed(dim: Int, start: Int, length: Int) throws -> Tensor {
        try makeTensor(describe("narrow(dim: \(dim), start: \(start), length: \(length))", self)) {
            ct_narrow(handle, Int64(dim), Int64(start), Int64(length), $0)
        }
    }

    /// Entries `start..<end` of `dim` taking every `step`-th (a view). `end` is clamped like Python slicing.
    public func sliced(dim: Int, start: Int = 0, end: Int = Int.max, step: Int = 1) throws -> Tensor {
        try makeTensor(describe("slice(dim: \(dim), \(start)..<\(end), step: \(step))", self)) {
            ct_slice(handle, Int64(dim), Int64(start), Int64(end), Int64(step), $0)
        }
    }

    /// Index `index` along `dim`, removing that dimension (a view).
    public func selecting(dim: Int, index: Int) throws -> Tensor {
        try makeTensor(describe("select(dim: \(dim), index: \(index))", self)) {
            ct_select(handle, Int64(dim), Int64(index), $0)
        }
    }

    /// Entries of `dim` at the int64 positions in `indices`.
    public func indexSelect(dim: Int, indices: Tensor) throws -> Tensor {
        try makeTensor(describe("index_select(dim: \(dim))", self, indices)) {
            ct_index_select(handle, Int64(dim), indices.handle, $0)
        }
    }

    public func gather(dim: Int, indices: Tensor) throws -> Tensor {
        try makeTensor(describe("gather(dim: \(dim))", self, indices)) { ct_gather(handle, Int64(dim), indices.handle, $0) }
    }

    /// A copy with `value` wherever the boolean `mask` is true (broadcasting).
    public func maskedFill(_ mask: Tensor, value: Double) throws -> Tensor {
        try makeTensor(describe("masked_fill", self, mask)) { ct_masked_fill(handle, mask.handle, value, $0) }
    }

    /// Concatenates along an existing dimension.
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        let handles: [ct_tensor?] = tensors.map { $0.handle }
        return try withExtendedLifetime(tensors) {
            try makeTensor("cat(dim: \(dim), shapes: \(tensors.map(\.shape)))") {
                ct_cat(handles, Int64(handles.count), Int64(dim), $0)
            }
        }
    }

    /// Joins along a new dimension.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        let handles: [ct_tensor?] = tensors.map { $0.handle }
        return try withExtendedLifetime(tensors) {
            try makeTensor("stack(dim: \(dim), shapes: \(tensors.map(\.shape)))") {
                ct_stack(handles, Int64(handles.count), Int64(dim), $0)
            }
        }
    }

    /// Broadcasts size-1 dimensions to `shape` without copying (-1 keeps a size).
    public func expanded(to shape: [Int]) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor(describe("expand to \(shape)", self)) { ct_expand(handle, dims, Int64(dims.count), $0) }
    }

    /// Tiles the tensor `repeats[i]` times along each dimension (copies).
    public func repeated(_ repeats: [Int]) throws -> Tensor {
        let r = repeats.map(Int64.init)
        return try makeTensor(describe("repeat \(repeats)", self)) { ct_repeat(handle, r, Int64(r.count), $0) }
    }

    /// Self when already contiguous, else a contiguous copy.
    public func contiguous() throws -> Tensor {
        try makeTensor(describe("contiguous", self)) { ct_contiguous(handle, $0) }
    }

    /// Self when already in channels-last (NHWC) order, else a copy in it; needs 4 dimensions.
    /// The values and the shape stay; only the storage order changes, which oneDNN and cuDNN
    /// convolutions read without a reorder.
    public func contiguousChannelsLast() throws -> Tensor {
        try makeTensor(describe("contiguous(channels_last)", self)) { ct_contiguous_channels_last(handle, $0) }
    }

    public func flipped(dims: [Int]) throws -> Tensor {
        let d = dims.map(Int64.init)
        return try makeTensor(describe("flip \(dims)", self)) { ct_flip(handle, d, Int64(d.count), $0) }
    }

    /// Circular shift of `shifts[i]` along `dims[i]`.
    public func rolled(shifts: [Int], dims: [Int]) throws -> Tensor {
        guard shifts.count == dims.count else {
            throw TorchError(operation: describe("roll", self), message: "shifts \(shifts) and dims \(dims) differ in length")
        }
        let s = shifts.map(Int64.init)
        let d = dims.map(Int64.init)
        return try makeTensor(describe("roll(shifts: \(shifts), dims: \(dims))", self)) {
            ct_roll(handle, s, d, Int64(d.count), $0)
        }
    }

    /// Removes `dim` if its size is 1; with no `dim`, removes every size-1 dimension.
    public func squeezed(dim: Int? = nil) throws -> Tensor {
        if let dim {
            return try makeTensor(describe("squeeze(\(dim))", self)) { ct_squeeze(handle, Int64(dim), $0) }
        }
        return try makeTensor(describe("squeeze", self)) { ct_squeeze_all(handle, $0) }
    }

    public func unsqueezed(dim: Int) throws -> Tensor {
        try makeTensor(describe("unsqueeze(\(dim))", self)) { ct_unsqueeze(handle, Int64(dim), $0) }
    }

    public func flattened(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
        try makeTensor(describe("flatten(\(startDim), \(endDim))", self)) {
            ct_flatten(handle, Int64(startDim), Int64(endDim), $0)
        }
    }

    /// `x[i]`: index `i` of the first dimension (a view); negative counts from the end.
    public subscript(index: Int) -> Tensor {
        get throws { try selecting(dim: 0, index: index) }
    }

    /// `x[a..<b]`: a range of the first dimension (a view).
    public subscript(range: Range<Int>) -> Tensor {
        get throws { try narrowed(dim: 0, start: range.lowerBound, length: range.count) }
    }
}
