import SeededRandom

/// The bootstrap's draws on SplitMix64.
extension SplitMix64 {
    /// Uniform integer in 0..<bound without modulo bias (Lemire's multiply-and-reject), written
    /// here rather than `Int.random(in:using:)` so the sequence never depends on the standard library.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }
}
