import Crypto
import Foundation
import Yams

/// Weak labels from DICOM metadata: Transducer Data → one transducer group (one-hot), Study
/// Description → any of the study groups (multi-hot).
///
/// The label vector has a fixed order: `y = [transducer groups…, study groups…]`. By default
/// that is `[linear, curvilinear, liver, kidney, thyroid, abdomen, chest, soft tissue, nodule,
/// drainage]` (K = 10); with `phased` configured, `phased` follows `curvilinear` (K = 11).
/// A file's transducer group comes from the first of its Transducer Data values that an exact
/// name or a rule maps, else from its Transducer Type (0018,6031, top level or in the ultrasound
/// regions); a file that none of them maps has zeros in the transducer part. An unmapped
/// description has zeros in the study part.
public struct LabelMapping: Sendable, Equatable {
    public static let defaultTransducerGroups = ["linear", "curvilinear"]
    public static let defaultStudyGroups = ["liver", "kidney", "thyroid", "abdomen", "chest", "soft tissue", "nodule", "drainage"]

    /// A regular-expression rule, matched case-insensitively against the normalised text.
    public struct Rule: Sendable, Equatable {
        public var pattern: String
        public var groups: [String]
        public init(pattern: String, groups: [String]) { self.pattern = pattern; self.groups = groups }
    }

    public var transducerGroups: [String]
    /// Exact transducer names (normalised) → group.
    public var transducerNames: [String: String]
    /// Tried in order after the exact names; the first match wins.
    public var transducerRules: [Rule]
    /// Transducer Type defined terms (normalised, `_` read as a space) → group: the fallback for
    /// files whose Transducer Data is missing or unrecognised.
    public var transducerTypes: [String: String]
    public var studyGroups: [String]
    /// Exact descriptions (normalised) → groups.
    public var studyDescriptions: [String: [String]]
    /// Tried when no exact description matches; every matching rule contributes its groups.
    public var studyRules: [Rule]

    private let compiledTransducerRules: [NSRegularExpression]
    private let compiledStudyRules: [NSRegularExpression]

    public init(
        transducerGroups: [String], transducerNames: [String: String], transducerRules: [Rule],
        transducerTypes: [String: String] = [:],
        studyGroups: [String], studyDescriptions: [String: [String]], studyRules: [Rule]
    ) throws {
        self.transducerGroups = transducerGroups
        self.transducerNames = Dictionary(transducerNames.map { (Self.normalise($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.transducerRules = transducerRules
        self.transducerTypes = Dictionary(transducerTypes.map { (Self.normaliseType($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.studyGroups = studyGroups
        self.studyDescriptions = Dictionary(studyDescriptions.map { (Self.normalise($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.studyRules = studyRules
        compiledTransducerRules = try transducerRules.map { try Self.compile($0.pattern) }
        compiledStudyRules = try studyRules.map { try Self.compile($0.pattern) }
        try validate()
    }

    public static func == (lhs: LabelMapping, rhs: LabelMapping) -> Bool { lhs.canonicalJSON == rhs.canonicalJSON }

    /// The shipped mapping: the paper's Table A1 and its three transducers, vendor probe-name
    /// patterns (`TransducerPatterns`) and the Transducer Type defined terms; with
    /// `includePhased`, phased arrays (P4-2, 4V1c, S5-1, SECTOR_PHASED…) too.
    public static func paperDefault(includePhased: Bool = false) -> LabelMapping {
        var groups = defaultTransducerGroups
        if includePhased { groups.append("phased") }
        let rules = TransducerPatterns.rules.filter { includePhased || $0.groups != ["phased"] }
        let types = TransducerPatterns.types.filter { includePhased || $0.value != "phased" }
        var descriptions: [String: [String]] = [:]
        for entry in paperStudyDescriptions { descriptions[entry.description] = entry.groups }
        do {
            return try LabelMapping(
                transducerGroups: groups,
                transducerNames: ["SC6-1": "curvilinear", "SL10-2": "linear", "SL15-4": "linear"],
                transducerRules: rules, transducerTypes: types,
                studyGroups: defaultStudyGroups, studyDescriptions: descriptions, studyRules: [])
        } catch {
            preconditionFailure("the built-in label mapping is invalid: \(error)")
        }
    }

    /// Upper-cased, trimmed, inner whitespace collapsed to one space.
    public static func normalise(_ text: String) -> String {
        text.uppercased().split(whereSeparator: { $0.isWhitespace || $0 == "\0" }).joined(separator: " ")
    }

    /// Transducer Type as a key: vendors write the defined terms with `_` or spaces
    /// (`SECTOR_PHASED`, `CURVED LINEAR`, `CURVED_LINEAR`).
    public static func normaliseType(_ text: String) -> String {
        normalise(text.replacingOccurrences(of: "_", with: " "))
    }

    // MARK: labelling

    /// All groups in label order.
    public var groupNames: [String] { transducerGroups + studyGroups }
    public var count: Int { transducerGroups.count + studyGroups.count }

    /// The transducer group of one Transducer Data value, nil when no rule matches.
    public func transducerGroup(for name: String) -> String? {
        let key = Self.normalise(name)
        guard !key.isEmpty else { return nil }
        if let group = transducerNames[key] { return group }
        for (index, regex) in compiledTransducerRules.enumerated() where Self.matches(regex, key) {
            return transducerRules[index].groups.first
        }
        return nil
    }

    /// The transducer group of a file: the first of its Transducer Data values that a name or a
    /// rule maps, else the first of its Transducer Type values that maps.
    public func transducerGroup(forValues values: [String], types: [String] = []) -> String? {
        for value in values { if let group = transducerGroup(for: value) { return group } }
        for type in types { if let group = transducerTypes[Self.normaliseType(type)] { return group } }
        return nil
    }

    /// The study groups of a description; empty when unmapped.
    public func studyGroups(for description: String) -> [String] {
        let key = Self.normalise(description)
        guard !key.isEmpty else { return [] }
        if let groups = studyDescriptions[key] { return groups }
        var found: [String] = []
        for (index, regex) in compiledStudyRules.enumerated() where Self.matches(regex, key) {
            for group in studyRules[index].groups where !found.contains(group) { found.append(group) }
        }
        return found
    }

    /// The label vector `y` for a file's Transducer Data values, Transducer Types and Study Description.
    public func labelVector(transducers: [String], transducerTypes types: [String] = [], studyDescription: String?) -> [Float] {
        var y = [Float](repeating: 0, count: count)
        if let group = transducerGroup(forValues: transducers, types: types), let index = transducerGroups.firstIndex(of: group) {
            y[index] = 1
        }
        for group in studyGroups(for: studyDescription ?? "") {
            if let index = studyGroups.firstIndex(of: group) { y[transducerGroups.count + index] = 1 }
        }
        return y
    }

    public func labelVector(for file: FileRecord) -> [Float] {
        labelVector(transducers: file.transducers, transducerTypes: file.transducerTypes, studyDescription: file.studyDescription)
    }

    // MARK: identity

    /// SHA-256 of the canonical JSON form: stored with the labels so a changed mapping is noticed.
    public var hash: String {
        SHA256.hash(data: Data(canonicalJSON.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    var canonicalJSON: String {
        let object: [String: Any] = [
            "transducer": [
                "groups": transducerGroups, "names": transducerNames,
                "rules": transducerRules.map { ["pattern": $0.pattern, "groups": $0.groups] },
                "types": transducerTypes
            ],
            "study": [
                "groups": studyGroups, "descriptions": studyDescriptions,
                "rules": studyRules.map { ["pattern": $0.pattern, "groups": $0.groups] }
            ]
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: helpers

    private static func compile(_ pattern: String) throws -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        } catch {
            throw SonoDataError.invalidLabelFile(path: "<mapping>", message: "invalid regular expression '\(pattern)'")
        }
    }

    private static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    private func validate() throws {
        func check(_ groups: [String], in known: [String], _ context: String) throws {
            for group in groups where !known.contains(group) {
                throw SonoDataError.invalidLabelFile(
                    path: "<mapping>", message: "\(context) uses unknown group '\(group)' (known: \(known.joined(separator: ", ")))")
            }
        }
        if Set(transducerGroups).count != transducerGroups.count || Set(studyGroups).count != studyGroups.count {
            throw SonoDataError.invalidLabelFile(path: "<mapping>", message: "group names must be unique")
        }
        for (name, group) in transducerNames { try check([group], in: transducerGroups, "transducer '\(name)'") }
        for (type, group) in transducerTypes { try check([group], in: transducerGroups, "transducer type '\(type)'") }
        for rule in transducerRules {
            guard rule.groups.count == 1 else {
                throw SonoDataError.invalidLabelFile(
                    path: "<mapping>", message: "transducer rule '\(rule.pattern)' must name exactly one group")
            }
            try check(rule.groups, in: transducerGroups, "transducer rule '\(rule.pattern)'")
        }
        for (description, groups) in studyDescriptions { try check(groups, in: studyGroups, "description '\(description)'") }
        for rule in studyRules { try check(rule.groups, in: studyGroups, "study rule '\(rule.pattern)'") }
    }
}
