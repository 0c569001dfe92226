import Foundation
import SeededRandom

/// The phantom's draws on SplitMix64. Every image, patient and study owns an independent stream
/// derived from the cohort seed, which is what makes parallel generation byte-identical to serial.
extension SplitMix64 {
    /// A generator for sub-stream `path` of `seed`: each component is mixed in turn, so
    /// `(seed, [patient, study, image])` never collides with a neighbour's stream in practice.
    public init(seed: UInt64, stream path: [UInt64]) {
        var s = SplitMix64.mix(seed ^ 0x5EED_50_7A6)
        for component in path { s = SplitMix64.mix(s &+ SplitMix64.mix(component &+ 0x9E37_79B9_7F4A_7C15)) }
        self.init(seed: s)
    }

    /// Uniform in [lower, upper).
    @inline(__always)
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * unit() }

    /// Standard normal (Box–Muller; one of the pair is discarded to keep the state simple).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 0x1.0p-53)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// Index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        guard total > 0 else { return 0 }
        var target = unit() * total
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.count - 1
    }

    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    public mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
}
