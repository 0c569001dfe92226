/// Ordinal targets as cumulative binary codes (Cheng et al., "A neural network approach to
/// ordinal regression"): class k of K becomes K−1 bits whose first k are 1, so the paper's five
/// quality levels are [0,0,0,0] … [1,1,1,1]. Each bit answers "is the class above j?".
public enum OrdinalCoding {
    /// The K−1 bit code of `level` (0-based). Out-of-range levels are clamped.
    public static func encode(_ level: Int, classes: Int) -> [Float] {
        let bits = max(0, classes - 1)
        let k = max(0, min(bits, level))
        return (0..<bits).map { $0 < k ? 1 : 0 }
    }

    /// The level from sigmoid outputs: the count of leading bits above the threshold. Counting
    /// only the leading run keeps an inconsistent code such as [1,0,1,0] at level 1, not 2.
    public static func decode(_ probabilities: [Float], threshold: Float = 0.5) -> Int {
        var level = 0
        for p in probabilities {
            guard p > threshold else { break }
            level += 1
        }
        return level
    }

    /// Class probabilities from the cumulative ones: P(y = k) = P(y > k−1) − P(y > k), with the
    /// cumulative sequence made non-increasing first. Used for AUC and calibration plots.
    public static func classProbabilities(_ probabilities: [Float]) -> [Float] {
        var cumulative: [Float] = [1]
        var last: Float = 1
        for p in probabilities {
            last = min(last, max(0, min(1, p)))
            cumulative.append(last)
        }
        cumulative.append(0)
        return (0..<(cumulative.count - 1)).map { cumulative[$0] - cumulative[$0 + 1] }
    }
}
