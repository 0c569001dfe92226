import CTorch

extension Tensor {
    private func unary(_ op: ct_unary_op, _ name: String) throws -> Tensor {
        try makeTensor(describe(name, self)) { ct_unary(Int32(op.rawValue), handle, $0) }
    }

    private func binary(_ op: ct_binary_op, _ other: Tensor, _ name: String) throws -> Tensor {
        try makeTensor(describe(name, self, other)) { ct_binary(Int32(op.rawValue), handle, other.handle, $0) }
    }

    private func binary(_ op: ct_binary_op, _ scalar: Double, scalarFirst: Bool = false, _ name: String) throws -> Tensor {
        try makeTensor(describe("\(name) \(scalar)", self)) {
            ct_binary_scalar(Int32(op.rawValue), handle, scalar, scalarFirst, $0)
        }
    }

    // MARK: Unary

    public func neg() throws -> Tensor { try unary(CT_NEG, "neg") }
    public func abs() throws -> Tensor { try unary(CT_ABS, "abs") }
    public func exp() throws -> Tensor { try unary(CT_EXP, "exp") }
    public func log() throws -> Tensor { try unary(CT_LOG, "log") }
    public func sqrt() throws -> Tensor { try unary(CT_SQRT, "sqrt") }
    public func rsqrt() throws -> Tensor { try unary(CT_RSQRT, "rsqrt") }
    public func sin() throws -> Tensor { try unary(CT_SIN, "sin") }
    public func cos() throws -> Tensor { try unary(CT_COS, "cos") }
    public func tanh() throws -> Tensor { try unary(CT_TANH, "tanh") }
    public func sigmoid() throws -> Tensor { try unary(CT_SIGMOID, "sigmoid") }
    public func relu() throws -> Tensor { try unary(CT_RELU, "relu") }
    public func floor() throws -> Tensor { try unary(CT_FLOOR, "floor") }
    public func ceil() throws -> Tensor { try unary(CT_CEIL, "ceil") }
    public func rounded() throws -> Tensor { try unary(CT_ROUND, "round") }
    public func sign() throws -> Tensor { try unary(CT_SIGN, "sign") }
    public func squared() throws -> Tensor { try unary(CT_SQUARE, "square") }
    public func reciprocal() throws -> Tensor { try unary(CT_RECIPROCAL, "reciprocal") }
    public func logicalNot() throws -> Tensor { try unary(CT_LOGICAL_NOT, "logical_not") }
    public func log1p() throws -> Tensor { try unary(CT_LOG1P, "log1p") }
    public func expm1() throws -> Tensor { try unary(CT_EXPM1, "expm1") }
    public func softplus() throws -> Tensor { try unary(CT_SOFTPLUS, "softplus") }
    public func logSigmoid() throws -> Tensor { try unary(CT_LOG_SIGMOID, "log_sigmoid") }
    public func gelu() throws -> Tensor { try unary(CT_GELU, "gelu") }
    public func isNaN() throws -> Tensor { try unary(CT_ISNAN, "isnan") }
    public func isFinite() throws -> Tensor { try unary(CT_ISFINITE, "isfinite") }

    // MARK: Binary (broadcasting)

    public func adding(_ other: Tensor) throws -> Tensor { try binary(CT_ADD, other, "add") }
    public func subtracting(_ other: Tensor) throws -> Tensor { try binary(CT_SUB, other, "sub") }
    public func multiplying(_ other: Tensor) throws -> Tensor { try binary(CT_MUL, other, "mul") }
    public func dividing(_ other: Tensor) throws -> Tensor { try binary(CT_DIV, other, "div") }
    public func pow(_ exponent: Tensor) throws -> Tensor { try binary(CT_POW, exponent, "pow") }
    public func pow(_ exponent: Double) throws -> Tensor { try binary(CT_POW, exponent, "pow") }
    public func maximum(_ other: Tensor) throws -> Tensor { try binary(CT_MAXIMUM, other, "maximum") }
    public func minimum(_ other: Tensor) throws -> Tensor { try binary(CT_MINIMUM, other, "minimum") }
    public func remainder(_ other: Tensor) throws -> Tensor { try binary(CT_REMAINDER, other, "remainder") }
    public func remainder(_ divisor: Double) throws -> Tensor { try binary(CT_REMAINDER, divisor, "remainder") }
    public func atan2(_ other: Tensor) throws -> Tensor { try binary(CT_ATAN2, other, "atan2") }
    public func logicalAnd(_ other: Tensor) throws -> Tensor { try binary(CT_LOGICAL_AND, other, "logical_and") }
    public func logicalOr(_ other: Tensor) throws -> Tensor { try binary(CT_LOGICAL_OR, other, "logical_or") }

    // MARK: Comparisons (boolean results, broadcasting)

    public func eq(_ other: Tensor) throws -> Tensor { try binary(CT_EQ, other, "eq") }
    public func ne(_ other: Tensor) throws -> Tensor { try binary(CT_NE, other, "ne") }
    public func lt(_ other: Tensor) throws -> Tensor { try binary(CT_LT, other, "lt") }
    public func le(_ other: Tensor) throws -> Tensor { try binary(CT_LE, other, "le") }
    public func gt(_ other: Tensor) throws -> Tensor { try binary(CT_GT, other, "gt") }
    public func ge(_ other: Tensor) throws -> Tensor { try binary(CT_GE, other, "ge") }
    public func eq(_ value: Double) throws -> Tensor { try binary(CT_EQ, value, "eq") }
    public func ne(_ value: Double) throws -> Tensor { try binary(CT_NE, value, "ne") }
    public func lt(_ value: Double) throws -> Tensor { try binary(CT_LT, value, "lt") }
    public func le(_ value: Double) throws -> Tensor { try binary(CT_LE, value, "le") }
    public func gt(_ value: Double) throws -> Tensor { try binary(CT_GT, value, "gt") }
    public func ge(_ value: Double) throws -> Tensor { try binary(CT_GE, value, "ge") }

    /// Elements of `a` where `condition` is true, else of `b` (all three broadcast together).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try makeTensor(describe("where", condition, a, b)) { ct_where(condition.handle, a.handle, b.handle, $0) }
    }

    /// Limits values to [min, max]; either bound may be omitted.
    public func clamped(min: Double? = nil, max: Double? = nil) throws -> Tensor {
        try makeTensor(describe("clamp(min: \(min.map { "\($0)" } ?? "nil"), max: \(max.map { "\($0)" } ?? "nil"))", self)) {
            ct_clamp(handle, min ?? 0, min != nil, max ?? 0, max != nil, $0)
        }
    }

    /// `self + weight * (end - self)`.
    public func lerp(to end: Tensor, weight: Double) throws -> Tensor {
        try makeTensor(describe("lerp", self, end)) { ct_lerp(handle, end.handle, weight, $0) }
    }

    // MARK: Operators

    public static func + (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.adding(rhs) }
    public static func - (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.subtracting(rhs) }
    public static func * (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.multiplying(rhs) }
    public static func / (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.dividing(rhs) }

    public static func + (lhs: Tensor, rhs: Double) throws -> Tensor { try lhs.binary(CT_ADD, rhs, "add") }
    public static func - (lhs: Tensor, rhs: Double) throws -> Tensor { try lhs.binary(CT_SUB, rhs, "sub") }
    public static func * (lhs: Tensor, rhs: Double) throws -> Tensor { try lhs.binary(CT_MUL, rhs, "mul") }
    public static func / (lhs: Tensor, rhs: Double) throws -> Tensor { try lhs.binary(CT_DIV, rhs, "div") }

    public static func + (lhs: Double, rhs: Tensor) throws -> Tensor { try rhs.binary(CT_ADD, lhs, "add") }
    public static func - (lhs: Double, rhs: Tensor) throws -> Tensor {
        try rhs.binary(CT_SUB, lhs, scalarFirst: true, "rsub")
    }
    public static func * (lhs: Double, rhs: Tensor) throws -> Tensor { try rhs.binary(CT_MUL, lhs, "mul") }
    public static func / (lhs: Double, rhs: Tensor) throws -> Tensor {
        try rhs.binary(CT_DIV, lhs, scalarFirst: true, "rdiv")
    }

    public static prefix func - (operand: Tensor) throws -> Tensor { try operand.neg() }
}
