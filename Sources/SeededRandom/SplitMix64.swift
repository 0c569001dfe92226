import SeededRandom

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, well-mixed generator whose whole state is
/// one word. Its sequence for a seed is fixed by this file alone — never by the standard library —
/// so phantom cohorts, splits, shuffles, augmentations and bootstrap resamples reproduce on every
/// platform, and a checkpoint only needs `state` to replay them. Modules add their own stream
/// derivations and draws as extensions; those must stay as they are, since stored cohorts,
/// caches and checkpoints depend on them.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    // Inlinable so the phantom's per-scatterer draws in other modules compile to a few instructions.
    @usableFromInline var word: UInt64

    public var state: UInt64 { word }

    @inlinable
    public init(seed: UInt64) { word = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        word &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(word)
    }

    /// The output function: a bijective scramble of one word.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) from the top 53 bits.
    @inlinable
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
