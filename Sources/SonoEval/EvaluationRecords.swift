import SonoSupport

/// One test image's segmentation result.
public struct SegmentationRecord: Equatable, Sendable {
    public var id: String
    public var dice: Double
    public var iou: Double
    /// In `spacing` units; nil when a mask is empty or it was not computed.
    public var hausdorff95: Double?
    public var truthArea: Int
    public var predictedArea: Int

    public init(id: String, dice: Double, iou: Double, hausdorff95: Double? = nil, truthArea: Int, predictedArea: Int) {
        self.id = id
        self.dice = dice
        self.iou = iou
        self.hausdorff95 = hausdorff95
        self.truthArea = truthArea
        self.predictedArea = predictedArea
    }

    /// Measures `prediction` against `truth`; Hausdorff-95 only when `spacing` is given.
    public init(id: String, prediction: BinaryMask, truth: BinaryMask, spacing: (x: Double, y: Double)? = nil) throws {
        self.init(
            id: id,
            dice: try SegmentationMetrics.dice(prediction: prediction, truth: truth),
            iou: try SegmentationMetrics.iou(prediction: prediction, truth: truth),
            hausdorff95: try spacing.flatMap { try SegmentationMetrics.hausdorff95(prediction: prediction, truth: truth, spacing: $0) },
            truthArea: truth.area, predictedArea: prediction.area)
    }

    public static func csv(_ records: [SegmentationRecord]) -> CSVTable {
        CSVTable(
            header: ["id", "dice", "iou", "hausdorff95", "truth_area", "predicted_area"],
            rows: records.map {
                [
                    $0.id, Format.fixed($0.dice, 6), Format.fixed($0.iou, 6), $0.hausdorff95.map { Format.fixed($0, 4) } ?? "",
                    String($0.truthArea), String($0.predictedArea)
                ]
            })
    }

    /// The bootstrap metrics for segmentation: mean Dice, mean IoU, and mean Hausdorff-95 over
    /// the images where it is defined.
    public static let metrics: [(name: String, metric: ([SegmentationRecord]) -> Double)] = [
        ("dice", { Statistics.mean($0.map(\.dice)) }),
        ("iou", { Statistics.mean($0.map(\.iou)) }),
        ("hausdorff95", { Statistics.mean($0.compactMap(\.hausdorff95)) })
    ]
}

/// One test image's classification result.
public struct ClassificationRecord: Equatable, Sendable {
    /// How `scores` are to be read.
    public enum Scores: Sendable {
        /// One probability per class (softmax or one-vs-rest sigmoid): AUC is one-vs-rest macro.
        case perClass
        /// K − 1 ordinal outputs estimating P(level ≥ k): AUC is `ordinalAUC`.
        case cumulative
    }

    public var id: String
    public var truth: Int
    public var predicted: Int
    public var scores: [Double]

    public init(id: String, truth: Int, predicted: Int, scores: [Double]) {
        self.id = id
        self.truth = truth
        self.predicted = predicted
        self.scores = scores
    }

    public static func csv(_ records: [ClassificationRecord]) -> CSVTable {
        let width = records.map(\.scores.count).max() ?? 0
        return CSVTable(
            header: ["id", "truth", "predicted"] + (0..<width).map { "score_\($0)" },
            rows: records.map { r in
                [r.id, String(r.truth), String(r.predicted)] + (0..<width).map { $0 < r.scores.count ? Format.fixed(r.scores[$0], 6) : "" }
            })
    }

    /// Accuracy, macro-F1, quadratic-weighted kappa and AUC over records.
    public static func metrics(classCount: Int, scores: Scores) -> [(name: String, metric: ([ClassificationRecord]) -> Double)] {
        [
            ("accuracy", { ClassificationMetrics.accuracy(predicted: $0.map(\.predicted), truth: $0.map(\.truth)) }),
            ("macro_f1", { ClassificationMetrics.macroF1(predicted: $0.map(\.predicted), truth: $0.map(\.truth)) }),
            (
                "kappa",
                {
                    ClassificationMetrics.quadraticWeightedKappa(
                        predicted: $0.map(\.predicted), truth: $0.map(\.truth), classCount: classCount)
                }
            ),
            (
                "auc",
                { records in
                    switch scores {
                    case .perClass:
                        if classCount == 2 {
                            return ClassificationMetrics.auc(
                                scores: records.map { $0.scores.count > 1 ? $0.scores[1] : ($0.scores.first ?? .nan) },
                                positives: records.map { $0.truth == 1 })
                        }
                        return ClassificationMetrics.macroAUC(
                            scores: records.map(\.scores), truth: records.map(\.truth), classCount: classCount)
                    case .cumulative:
                        return ClassificationMetrics.ordinalAUC(
                            cumulative: records.map(\.scores), truth: records.map(\.truth), classCount: classCount)
                    }
                }
            )
        ]
    }
}
