import XCTest

@testable import Torch

func floats(_ tensor: Tensor) throws -> [Float] { try tensor.toArray(of: Float.self) }
