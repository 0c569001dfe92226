import SeededRandom

/// SplitMix64 with SonoData's stream derivation and draws, so splits, shuffles and augmentations
/// are reproducible on every platform (and stay as they were: caches and splits depend on them).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var core: SplitMix64

    public init(seed: UInt64) { core = SplitMix64(seed: seed) }

    /// A generator for one item of a stream, independent of the order items are drawn in.
    public init(seed: UInt64, stream: UInt64, index: UInt64) {
        var mixer = SplitMix64(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        let a = mixer.next()
        core = SplitMix64(seed: a ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ (index &* 0x8CB9_2BA7_2F3D_8DD7))
        _ = next()
    }

    public mutating func next() -> UInt64 { core.next() }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double { core.unit() }

    /// Uniform in [0, bound) without modulo bias worth caring about for our sizes.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }
}
