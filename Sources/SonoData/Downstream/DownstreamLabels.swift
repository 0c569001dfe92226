import Foundation
import SonoEval

/// How classification labels become targets and predictions become labels.
public enum ClassificationMode: String, Sendable, Codable, CaseIterable {
    /// Integer levels 0…K−1, cumulative K−1 bit targets, weighted BCE (the paper's quality score).
    case ordinal
    /// One name per image, one-hot over K names, softmax cross-entropy.
    case multiclass
    /// Several names per image separated by `;` or `|`, multi-hot targets, BCE.
    case multilabel
}

/// One image's label text and where it was read (a CSV file and its line), for errors.
public struct LabelledValue: Sendable, Equatable {
    public var image: String
    public var label: String
    public var file: String?
    public var line: Int?

    public init(image: String, label: String, file: String? = nil, line: Int? = nil) {
        self.image = image
        self.label = label
        self.file = file
        self.line = line
    }

    func error(_ reason: String) -> DownstreamDataError {
        if let file, let line {
            return .badRow(csv: file, line: line, reason: "label '\(label)' of image \(image): \(reason)")
        }
        return .badLabel(image: image, label: label, reason: reason)
    }
}

/// The fitted label vocabulary of a classification task; saved with the run so evaluation
/// decodes exactly as training encoded.
public struct LabelEncoding: Sendable, Codable, Equatable {
    public var mode: ClassificationMode
    /// Class names in output order (for ordinal: "0" … "K−1").
    public var classes: [String]

    public init(mode: ClassificationMode, classes: [String]) {
        self.mode = mode
        self.classes = classes
    }

    /// Width of the head's output.
    public var outputs: Int {
        switch mode {
        case .ordinal: return max(1, classes.count - 1)
        case .multiclass, .multilabel: return classes.count
        }
    }

    /// Fits the vocabulary from training labels (plus any others, so val/test never meet an
    /// unseen class). `mode` nil infers it once from all the values: all integers → ordinal, all
    /// names → multi-class (multi-label when a `;` or `|` separates names). A mix of integers
    /// and names is an error naming the first value that does not fit, never a silent switch of
    /// an ordinal task to a multi-class one.
    public static func fit(_ labels: [LabelledValue], mode: ClassificationMode?) throws -> LabelEncoding {
        let chosen = try mode ?? inferMode(labels)
        switch chosen {
        case .ordinal:
            var top = 0
            for value in labels {
                guard let level = Int(value.label), level >= 0 else {
                    throw value.error("ordinal labels must be integers ≥ 0\(mode == nil ? "" : " (--mode ordinal)")")
                }
                top = max(top, level)
            }
            guard top >= 1 else {
                throw DownstreamDataError.badLabel(
                    image: labels.first?.image ?? "?", label: "0", reason: "ordinal task needs at least two levels")
            }
            return LabelEncoding(mode: .ordinal, classes: (0...top).map(String.init))
        case .multiclass:
            let names = Set(labels.map { $0.label })
            guard names.count >= 2 else {
                throw DownstreamDataError.badLabel(
                    image: labels.first?.image ?? "?", label: names.first ?? "", reason: "multi-class task needs at least two classes")
            }
            return LabelEncoding(mode: .multiclass, classes: sortedNames(names))
        case .multilabel:
            let names = Set(labels.flatMap { splitNames($0.label) })
            guard !names.isEmpty else { throw DownstreamDataError.missingLabel(image: labels.first?.image ?? "?") }
            return LabelEncoding(mode: .multilabel, classes: sortedNames(names))
        }
    }

    /// Labels without a known origin (tests, programmatic use).
    public static func fit(_ labels: [(image: String, label: String)], mode: ClassificationMode?) throws -> LabelEncoding {
        try fit(labels.map { LabelledValue(image: $0.image, label: $0.label) }, mode: mode)
    }

    static func inferMode(_ labels: [LabelledValue]) throws -> ClassificationMode {
        let integers = labels.filter { Int($0.label) != nil }
        if integers.count == labels.count { return .ordinal }
        if integers.isEmpty {
            return labels.contains(where: { $0.label.contains(";") || $0.label.contains("|") }) ? .multilabel : .multiclass
        }
        // Mixed: name the minority's first value, which is most likely the mistake.
        let misfit = integers.count * 2 >= labels.count ? labels.first { Int($0.label) == nil }! : integers[0]
        let reason =
            "\(integers.count) of \(labels.count) labels are integers (an ordinal task) and the others are names; "
            + "fix this value, or pass --mode to say which task it is"
        throw misfit.error(reason)
    }

    static func splitNames(_ label: String) -> [String] {
        label.split(whereSeparator: { $0 == ";" || $0 == "|" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Numeric names sort numerically, others alphabetically.
    static func sortedNames(_ names: Set<String>) -> [String] {
        names.sorted { a, b in
            if let x = Double(a), let y = Double(b) { return x < y }
            return a < b
        }
    }

    /// The target vector of one label (length `outputs`).
    public func target(for label: String, image: String) throws -> [Float] {
        try target(for: LabelledValue(image: image, label: label))
    }

    /// The target vector of one label; a value outside the recorded classes is an error naming
    /// its file and row when known.
    public func target(for value: LabelledValue) throws -> [Float] {
        let label = value.label
        switch mode {
        case .ordinal:
            guard let level = Int(label), level >= 0, level < classes.count else {
                throw value.error("expected an ordinal level 0…\(classes.count - 1)")
            }
            return try OrdinalEncoding(classCount: classes.count).encode(level)
        case .multiclass:
            guard let index = classes.firstIndex(of: label) else {
                throw value.error("unknown class (known: \(classes.joined(separator: ", ")))")
            }
            return classes.indices.map { $0 == index ? 1 : 0 }
        case .multilabel:
            var out = [Float](repeating: 0, count: classes.count)
            for name in LabelEncoding.splitNames(label) {
                guard let index = classes.firstIndex(of: name) else {
                    throw value.error("unknown class '\(name)' (known: \(classes.joined(separator: ", ")))")
                }
                out[index] = 1
            }
            return out
        }
    }

    /// The class index of one image's target (ordinal level, argmax class); nil for multi-label.
    public func classIndex(ofTarget target: [Float]) -> Int? {
        switch mode {
        case .ordinal: return (try? OrdinalEncoding(classCount: classes.count))?.decode(target.map(Double.init)) ?? 0
        case .multiclass: return target.indices.max { target[$0] < target[$1] }
        case .multilabel: return nil
        }
    }

    /// The predicted class index from head outputs: probabilities for ordinal and multi-label
    /// (sigmoid), class probabilities for multi-class (softmax).
    public func predictedClass(_ outputs: [Float]) -> Int? {
        classIndex(ofTarget: outputs)
    }

    /// Per-output positive weights for the weighted BCE (PyTorch's `pos_weight`): negatives over
    /// positives of each output in the training targets, as `OrdinalEncoding.positiveWeights`
    /// computes for ordinal levels, so rare levels count as much as common ones. Clamped to
    /// [0.1, 10] so one rare multi-label class cannot dominate.
    public static func positiveWeights(_ targets: [[Float]]) -> [Float] {
        guard let width = targets.first?.count else { return [] }
        return (0..<width).map { j in
            let positives = targets.reduce(Float(0)) { $0 + $1[j] }
            let negatives = Float(targets.count) - positives
            guard positives > 0 else { return 1 }
            return max(0.1, min(10, negatives / positives))
        }
    }
}
