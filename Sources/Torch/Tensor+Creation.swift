import CTorch

extension Tensor {
    public static func empty(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor("empty(\(shape))") { ct_empty(dims, Int64(dims.count), dtype.rawValue, device.code, $0) }
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor("zeros(\(shape))") { ct_zeros(dims, Int64(dims.count), dtype.rawValue, device.code, $0) }
    }

    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor("ones(\(shape))") { ct_ones(dims, Int64(dims.count), dtype.rawValue, device.code, $0) }
    }

    public static func full(_ shape: [Int], value: Double, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor("full(\(shape))") {
            ct_full(dims, Int64(dims.count), value, dtype.rawValue, device.code, $0)
        }
    }

    /// `full` for integer values that a Double cannot hold exactly.
    public static func full(_ shape: [Int], integer value: Int64, dtype: DType = .int64, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor("full(\(shape))") {
            ct_full_int64(dims, Int64(dims.count), value, dtype.rawValue, device.code, $0)
        }
    }

    public static func zeros(like other: Tensor) throws -> Tensor {
        try zeros(other.shape, dtype: other.dtype, device: other.device)
    }

    public static func ones(like other: Tensor) throws -> Tensor {
        try ones(other.shape, dtype: other.dtype, device: other.device)
    }

    /// Values `start, start + step, ...` below `end` (like `torch.arange`).
    public static func arange(
        _ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .float32,
        device: Device = .cpu
    ) throws -> Tensor {
        try makeTensor("arange(\(start), \(end), \(step))") {
            ct_arange(start, end, step, dtype.rawValue, device.code, $0)
        }
    }

    /// Uniform samples in [0, 1).
    public static func rand(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor("rand(\(shape))") { ct_rand(dims, Int64(dims.count), dtype.rawValue, device.code, $0) }
    }

    /// Standard normal samples.
    public static func randn(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor("randn(\(shape))") { ct_randn(dims, Int64(dims.count), dtype.rawValue, device.code, $0) }
    }

    /// Integers uniform in [low, high).
    public static func randint(
        low: Int = 0, high: Int, shape: [Int], dtype: DType = .int64,
        device: Device = .cpu
    ) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try makeTensor("randint(\(low), \(high), \(shape))") {
            ct_randint(Int64(low), Int64(high), dims, Int64(dims.count), dtype.rawValue, device.code, $0)
        }
    }

    /// A random permutation of 0..<n.
    public static func randperm(_ n: Int, dtype: DType = .int64, device: Device = .cpu) throws -> Tensor {
        try makeTensor("randperm(\(n))") { ct_randperm(Int64(n), dtype.rawValue, device.code, $0) }
    }

    public static func eye(_ n: Int, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try makeTensor("eye(\(n))") { ct_eye(Int64(n), dtype.rawValue, device.code, $0) }
    }
}
