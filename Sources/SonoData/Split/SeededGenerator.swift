/// SplitMix64: a small, fast generator whose sequence depends only on its seed, so splits,
/// shuffles and augmentations are reproducible on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one item of a stream, independent of the order items are drawn in.
    public init(seed: UInt64, stream: UInt64, index: UInt64) {
        var mixer = SeededGenerator(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        let a = mixer.next()
        state = a ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ (index &* 0x8CB9_2BA7_2F3D_8DD7)
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Uniform in [0, bound) without modulo bias worth caring about for our sizes.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }
}

extension Array {
    /// Fisher–Yates with a seeded generator (the standard library's `shuffle(using:)` is not
    /// guaranteed to consume the generator the same way across versions).
    mutating func seededShuffle(_ generator: inout SeededGenerator) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = generator.nextInt(below: i + 1)
            if i != j { swapAt(i, j) }
        }
    }
}
