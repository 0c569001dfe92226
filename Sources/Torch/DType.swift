import CTorch

/// Element types a `Tensor` can hold. Raw values are the shim's stable dtype codes.
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case float32 = 0
    case float16 = 1
    case bfloat16 = 2
    case float64 = 3
    case int64 = 4
    case int32 = 5
    case uint8 = 6
    case bool = 7
    case int8 = 8
    case int16 = 9

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .uint8, .int8, .bool: return 1
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float16, .bfloat16, .float64: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .float64: return "float64"
        case .int64: return "int64"
        case .int32: return "int32"
        case .uint8: return "uint8"
        case .bool: return "bool"
        case .int8: return "int8"
        case .int16: return "int16"
        }
    }
}

/// Swift scalar types that map one-to-one onto a `DType`, for array conversion.
public protocol TensorScalar {
    static var dtype: DType { get }
}

extension Float: TensorScalar { public static var dtype: DType { .float32 } }
extension Double: TensorScalar { public static var dtype: DType { .float64 } }
extension Int64: TensorScalar { public static var dtype: DType { .int64 } }
extension Int32: TensorScalar { public static var dtype: DType { .int32 } }
extension Int16: TensorScalar { public static var dtype: DType { .int16 } }
extension Int8: TensorScalar { public static var dtype: DType { .int8 } }
extension UInt8: TensorScalar { public static var dtype: DType { .uint8 } }
extension Bool: TensorScalar { public static var dtype: DType { .bool } }
/// `Int` is 64-bit on every platform SonoTag supports, so it maps to `int64`.
extension Int: TensorScalar { public static var dtype: DType { .int64 } }
