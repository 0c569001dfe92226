/// Overlap and distance measures between a predicted and a true binary mask.
///
/// Conventions: when both masks are empty, Dice and IoU are 1 (perfect agreement on "nothing
/// there"); Hausdorff-95 is undefined (nil) when either mask is empty.
public enum SegmentationMetrics {
    /// Counts of true positives, false positives and false negatives.
    public static func counts(prediction: BinaryMask, truth: BinaryMask) throws -> (tp: Int, fp: Int, fn: Int) {
        try checkSizes(prediction, truth)
        var tp = 0, fp = 0, fn = 0
        for i in prediction.bits.indices {
            switch (prediction.bits[i], truth.bits[i]) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, true): fn += 1
            case (false, false): break
            }
        }
        return (tp, fp, fn)
    }

    /// 2|P∩T| / (|P| + |T|).
    public static func dice(prediction: BinaryMask, truth: BinaryMask) throws -> Double {
        let c = try counts(prediction: prediction, truth: truth)
        let denominator = 2 * c.tp + c.fp + c.fn
        return denominator == 0 ? 1 : Double(2 * c.tp) / Double(denominator)
    }

    /// |P∩T| / |P∪T|.
    public static func iou(prediction: BinaryMask, truth: BinaryMask) throws -> Double {
        let c = try counts(prediction: prediction, truth: truth)
        let union = c.tp + c.fp + c.fn
        return union == 0 ? 1 : Double(c.tp) / Double(union)
    }

    /// 95th percentile Hausdorff distance, MedPy's `hd95` definition: the 95th percentile
    /// (linear interpolation, as NumPy) of the pooled distances from each boundary pixel of one
    /// mask to the nearest boundary pixel of the other, both directions. Distances are in pixels
    /// scaled by `spacing` (e.g. millimetres per pixel along x and y).
    public static func hausdorff95(
        prediction: BinaryMask, truth: BinaryMask,
        spacing: (x: Double, y: Double) = (1, 1)
    ) throws -> Double? {
        try hausdorffPercentile(prediction: prediction, truth: truth, percentile: 95, spacing: spacing)
    }

    public static func hausdorffPercentile(
        prediction: BinaryMask, truth: BinaryMask, percentile: Double,
        spacing: (x: Double, y: Double) = (1, 1)
    ) throws -> Double? {
        try checkSizes(prediction, truth)
        let a = prediction.boundary, b = truth.boundary
        guard !a.isEmpty, !b.isEmpty else { return nil }
        let distances = nearestDistances(from: a, to: b, spacing: spacing) + nearestDistances(from: b, to: a, spacing: spacing)
        return Statistics.percentile(distances, percentile)
    }

    /// For each point of `from`, the Euclidean distance to the nearest point of `to`.
    /// Points are sorted by row so the search can stop once rows are farther than the best hit.
    static func nearestDistances(
        from: [(x: Int, y: Int)], to: [(x: Int, y: Int)],
        spacing: (x: Double, y: Double)
    ) -> [Double] {
        let targets = to.sorted { $0.y < $1.y }
        let rows = targets.map(\.y)
        return from.map { p in
            var best = Double.infinity
            // Binary search for the first target row ≥ p.y, then walk outwards both ways.
            var lo = 0, hi = rows.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if rows[mid] < p.y { lo = mid + 1 } else { hi = mid }
            }
            // Rows only get farther walking away from p.y, so each walk stops at the first row
            // whose vertical distance alone beats the best hit.
            func visit(_ i: Int) -> Bool {
                let dy = Double(targets[i].y - p.y) * spacing.y
                guard dy * dy <= best else { return false }
                let dx = Double(targets[i].x - p.x) * spacing.x
                best = min(best, dx * dx + dy * dy)
                return true
            }
            var i = lo
            while i < targets.count, visit(i) { i += 1 }
            i = lo - 1
            while i >= 0, visit(i) { i -= 1 }
            return best.squareRoot()
        }
    }

    private static func checkSizes(_ a: BinaryMask, _ b: BinaryMask) throws {
        guard a.width == b.width, a.height == b.height else {
            throw EvaluationError.sizeMismatch("prediction \(a.width)×\(a.height) vs truth \(b.width)×\(b.height)")
        }
    }
}
