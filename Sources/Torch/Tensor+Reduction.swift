import CTorch

extension Tensor {
    private typealias DimsReduction = (ct_tensor?, UnsafePointer<Int64>?, Int64, Bool, UnsafeMutablePointer<ct_tensor?>?) -> ct_error?

    private func reduce(_ name: String, _ dims: [Int], _ keepDims: Bool, _ call: DimsReduction) throws -> Tensor {
        let d = dims.map(Int64.init)
        return try makeTensor(describe("\(name)(dims: \(dims))", self)) { out in
            d.withUnsafeBufferPointer { call(handle, $0.baseAddress, Int64(d.count), keepDims, out) }
        }
    }

    /// Sum of all elements (0-D).
    public func sum() throws -> Tensor { try reduce("sum", [], false, ct_sum) }
    /// Sum over `dims`.
    public func sum(dims: [Int], keepingDims: Bool = false) throws -> Tensor {
        try requireDims(dims, "sum")
        return try reduce("sum", dims, keepingDims, ct_sum)
    }

    /// Mean of all elements (0-D).
    public func mean() throws -> Tensor { try reduce("mean", [], false, ct_mean) }
    public func mean(dims: [Int], keepingDims: Bool = false) throws -> Tensor {
        try requireDims(dims, "mean")
        return try reduce("mean", dims, keepingDims, ct_mean)
    }

    /// Variance (Bessel-corrected unless `unbiased` is false) of all elements, or over `dims`.
    public func variance(dims: [Int] = [], unbiased: Bool = true, keepingDims: Bool = false) throws -> Tensor {
        let d = dims.map(Int64.init)
        return try makeTensor(describe("var(dims: \(dims))", self)) { out in
            d.withUnsafeBufferPointer { ct_var(handle, $0.baseAddress, Int64(d.count), unbiased, keepingDims, out) }
        }
    }

    public func standardDeviation(dims: [Int] = [], unbiased: Bool = true, keepingDims: Bool = false) throws -> Tensor {
        let d = dims.map(Int64.init)
        return try makeTensor(describe("std(dims: \(dims))", self)) { out in
            d.withUnsafeBufferPointer { ct_std(handle, $0.baseAddress, Int64(d.count), unbiased, keepingDims, out) }
        }
    }

    public func product() throws -> Tensor { try makeTensor(describe("prod", self)) { ct_prod(handle, $0) } }

    /// Largest element (0-D).
    public func max() throws -> Tensor { try makeTensor(describe("max", self)) { ct_max_all(handle, $0) } }
    /// Smallest element (0-D).
    public func min() throws -> Tensor { try makeTensor(describe("min", self)) { ct_min_all(handle, $0) } }

    /// Largest values along `dim` and their int64 positions.
    public func max(dim: Int, keepingDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        var values: ct_tensor?
        var indices: ct_tensor?
        try check(ct_max_dim(handle, Int64(dim), keepingDim, &values, &indices), describe("max(dim: \(dim))", self))
        guard let values, let indices else { throw TorchError(operation: "max(dim:)", message: "libtorch returned no tensor") }
        return (Tensor(handle: values), Tensor(handle: indices))
    }

    public func min(dim: Int, keepingDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        var values: ct_tensor?
        var indices: ct_tensor?
        try check(ct_min_dim(handle, Int64(dim), keepingDim, &values, &indices), describe("min(dim: \(dim))", self))
        guard let values, let indices else { throw TorchError(operation: "min(dim:)", message: "libtorch returned no tensor") }
        return (Tensor(handle: values), Tensor(handle: indices))
    }

    /// Position of the largest element along `dim`, or in the flattened tensor when `dim` is nil.
    public func argmax(dim: Int? = nil, keepingDim: Bool = false) throws -> Tensor {
        try makeTensor(describe("argmax(dim: \(dim.map(String.init) ?? "nil"))", self)) {
            ct_argmax(handle, Int64(dim ?? 0), dim != nil, keepingDim, $0)
        }
    }

    public func argmin(dim: Int? = nil, keepingDim: Bool = false) throws -> Tensor {
        try makeTensor(describe("argmin(dim: \(dim.map(String.init) ?? "nil"))", self)) {
            ct_argmin(handle, Int64(dim ?? 0), dim != nil, keepingDim, $0)
        }
    }

    public func logSumExp(dims: [Int], keepingDims: Bool = false) throws -> Tensor {
        try requireDims(dims, "logsumexp")
        return try reduce("logsumexp", dims, keepingDims, ct_logsumexp)
    }

    /// The p-norm of all elements (default Euclidean).
    public func norm(p: Double = 2) throws -> Tensor { try makeTensor(describe("norm", self)) { ct_norm(handle, p, $0) } }

    /// True (0-D bool) when every element is non-zero.
    public func all() throws -> Tensor { try makeTensor(describe("all", self)) { ct_all(handle, $0) } }
    /// True (0-D bool) when some element is non-zero.
    public func any() throws -> Tensor { try makeTensor(describe("any", self)) { ct_any(handle, $0) } }

    private func requireDims(_ dims: [Int], _ name: String) throws {
        guard !dims.isEmpty else {
            throw TorchError(
                operation: describe("\(name)(dims: [])", self),
                message: "give at least one dimension, or call \(name)() to reduce everything")
        }
    }
}
