import CTorch

/// An error from libtorch or from argument validation in the Swift layer.
///
/// `operation` names the call and the shapes it saw (for example
/// `matmul([2, 3], [4, 5])`), `message` is libtorch's own text without its C++ backtrace.
public struct TorchError: Error, Equatable, Sendable, CustomStringConvertible {
    public let operation: String
    public let message: String

    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }
}

extension TorchError: CustomDebugStringConvertible {
    public var debugDescription: String { "TorchError(\(description))" }
}

#if canImport(Foundation)
    import Foundation
    extension TorchError: LocalizedError {
        public var errorDescription: String? { description }
    }
#endif

/// Turns a shim error into a thrown `TorchError`, freeing it. The operation text is built only on failure.
@inline(__always)
func check(_ error: ct_error?, _ operation: @autoclosure () -> String) throws {
    guard let error else { return }
    let message = String(cString: ct_error_message(error))
    ct_error_free(error)
    throw TorchError(operation: operation(), message: message)
}

/// Checks a shim query that cannot fail on a live tensor (its rank, shape, dtype, device…). A
/// failure means a broken handle or a libtorch bug; answering with a plausible default (rank 0,
/// float32, cpu) would let wrong results flow on, so stop with libtorch's message.
@inline(__always)
func trapOnFailure(_ error: ct_error?, _ what: @autoclosure () -> String) {
    guard let error else { return }
    let message = String(cString: ct_error_message(error))
    ct_error_free(error)
    preconditionFailure("libtorch could not report \(what()): \(message)")
}

/// Runs a shim call that produces one tensor.
@inline(__always)
func makeTensor(_ operation: @autoclosure () -> String, _ body: (UnsafeMutablePointer<ct_tensor?>) -> ct_error?) throws -> Tensor {
    var out: ct_tensor?
    try check(body(&out), operation())
    guard let out else { throw TorchError(operation: operation(), message: "libtorch returned no tensor") }
    return Tensor(handle: out)
}

/// `name(shape, shape, ...)`, used to label errors.
func describe(_ name: String, _ tensors: Tensor?...) -> String {
    let shapes = tensors.map { $0.map { "\($0.shape)" } ?? "nil" }
    return "\(name)(\(shapes.joined(separator: ", ")))"
}
