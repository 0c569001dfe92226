import Foundation

/// Cumulative ("ordinal") encoding of K ordered classes as K − 1 binary targets: level k sets
/// the first k targets, so 5 classes give [0,0,0,0], [1,0,0,0], … [1,1,1,1]. Output j of the
/// classifier then estimates P(level > j).
public struct OrdinalEncoding: Equatable, Sendable {
    public let classCount: Int

    public enum Decoding: Sendable {
        /// The number of outputs above 0.5 (the paper's reading of the head).
        case countAboveHalf
        /// The level whose consistent code [1…1,0…0] is most likely under independent Bernoulli
        /// outputs: argmax_k Σ_{j<k} log p_j + Σ_{j≥k} log(1 − p_j). Never contradicts itself
        /// when outputs are not monotone.
        case mostLikelyMonotone
    }

    public init(classCount: Int) throws {
        guard classCount >= 2 else { throw EvaluationError.invalidInput("ordinal encoding needs at least 2 classes, got \(classCount)") }
        self.classCount = classCount
    }

    public var outputCount: Int { classCount - 1 }

    /// Targets for `level` (0..<K); throws for levels outside the range.
    public func encode(_ level: Int) throws -> [Float] {
        guard level >= 0, level < classCount else {
            throw EvaluationError.invalidInput("ordinal level \(level) outside 0..<\(classCount)")
        }
        return (0..<outputCount).map { $0 < level ? 1 : 0 }
    }

    public func decode(_ probabilities: [Double], using decoding: Decoding = .countAboveHalf) -> Int {
        let p = Array(probabilities.prefix(outputCount))
        switch decoding {
        case .countAboveHalf:
            return p.filter { $0 > 0.5 }.count
        case .mostLikelyMonotone:
            let epsilon = 1e-12
            let logP = p.map { log(max($0, epsilon)) }, logQ = p.map { log(max(1 - $0, epsilon)) }
            // Score of level 0 is Σ log(1 − p); moving to level k+1 swaps term k.
            var score = logQ.reduce(0, +), best = score, bestLevel = 0
            for k in 0..<p.count {
                score += logP[k] - logQ[k]
                if score > best { best = score; bestLevel = k + 1 }
            }
            return bestLevel
        }
    }

    /// Per-output weights for weighted BCE from the training levels, balanced per output:
    /// positives weigh n / (2·n₊) and negatives n / (2·n₋), so each output's positive and negative
    /// sets contribute equally and the mean weight over the training set is 1. An output whose
    /// targets are all one value gets weight 1 for both.
    public func balancedWeights(levels: [Int]) -> [(positive: Double, negative: Double)] {
        let n = Double(levels.count)
        return (0..<outputCount).map { j in
            let positives = Double(levels.filter { $0 > j }.count), negatives = n - positives
            guard positives > 0, negatives > 0 else { return (1, 1) }
            return (n / (2 * positives), n / (2 * negatives))
        }
    }

    /// `pos_weight` for PyTorch's `BCEWithLogitsLoss`: n₋ / n₊ per output (1 when undefined).
    public func positiveWeights(levels: [Int]) -> [Double] {
        (0..<outputCount).map { j in
            let positives = Double(levels.filter { $0 > j }.count), negatives = Double(levels.count) - positives
            return positives > 0 && negatives > 0 ? negatives / positives : 1
        }
    }
}
