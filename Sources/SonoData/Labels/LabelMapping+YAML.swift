import Foundation
import Yams

/// `labels.yaml`: extends the paper's mapping by default.
///
/// ```yaml
/// extends: paper          # or `none` to start from an empty mapping
/// phased: true            # add the `phased` transducer group (P4-2, 4V1c…)
/// transducer:
///   groups: [linear, curvilinear]        # only with `extends: none`, or to reorder
///   names: { "C1-6-D": curvilinear }     # exact names, case/whitespace-insensitive
///   rules:                               # regexes, tried before the inherited ones
///     - { pattern: "^EC", group: curvilinear }
///   types: { "CURVED LINEAR": curvilinear } # Transducer Type fallback (`_` reads as a space)
/// study:
///   groups: [liver, kidney, thyroid, abdomen, chest, soft tissue, nodule, drainage, breast]
///                                          # any names; replaces the list (keep the inherited ones)
///   names:                               # exact descriptions → groups
///     "US ABDOMEN COMPLETE": [abdomen, liver, kidney]
///   rules:                               # regexes, used when no exact name matches
///     - { pattern: "THYROID", groups: [thyroid] }
/// ```
extension LabelMapping {
    struct File: Decodable {
        struct TransducerRule: Decodable { var pattern: String; var group: String }
        struct StudyRule: Decodable { var pattern: String; var groups: [String] }
        struct Transducer: Decodable {
            var groups: [String]?
            var names: [String: String]?
            var rules: [TransducerRule]?
            var types: [String: String]?
        }
        struct Study: Decodable {
            var groups: [String]?
            var names: [String: [String]]?
            var rules: [StudyRule]?
        }
        var extends: String?
        var phased: Bool?
        /// Written by `labels --suggest`: the file must be reviewed (and this line removed) first.
        var draft: Bool?
        var transducer: Transducer?
        var study: Study?

        /// Every key a labels.yaml may hold; `names` maps the user's own strings.
        static let shape = YAMLShape.mapping([
            "extends": .any,
            "phased": .any,
            "draft": .any,
            "transducer": .mapping([
                "groups": .any, "names": .any, "types": .any,
                "rules": .sequence(.mapping(["pattern": .any, "group": .any]))
            ]),
            "study": .mapping([
                "groups": .any, "names": .any,
                "rules": .sequence(.mapping(["pattern": .any, "groups": .any]))
            ])
        ])
    }

    /// Reads a mapping from YAML text; `path` only names the source in errors.
    public static func load(yaml: String, path: String = "labels.yaml") throws -> LabelMapping {
        let file: File
        do {
            file = try YAMLConfig.decode(File.self, from: yaml, shape: File.shape, file: path)
        } catch let error as YAMLConfigError {
            // "label mapping FILE:LINE:COLUMN: message"
            throw SonoDataError.invalidLabelFile(
                path: path + (error.line.map { ":\($0):\(error.column ?? 1)" } ?? ""), message: error.message)
        }
        if file.draft == true {
            throw SonoDataError.invalidLabelFile(
                path: path,
                message: "is a draft written by `sonotag labels --suggest`; review every suggestion, then delete its `draft: true` line")
        }
        let base: LabelMapping
        switch file.extends ?? "paper" {
        case "paper": base = .paperDefault(includePhased: file.phased ?? false)
        case "none":
            base = .paperDefault(includePhased: file.phased ?? false)
        default:
            throw SonoDataError.invalidLabelFile(path: path, message: "extends must be 'paper' or 'none', not '\(file.extends ?? "")'")
        }
        let inherit = file.extends ?? "paper" == "paper"
        var transducerGroups = file.transducer?.groups ?? base.transducerGroups
        if file.phased == true, !transducerGroups.contains("phased") { transducerGroups.append("phased") }
        var names = inherit ? base.transducerNames : [:]
        for (name, group) in file.transducer?.names ?? [:] { names[normalise(name)] = group }
        let transducerRules =
            (file.transducer?.rules ?? []).map { Rule(pattern: $0.pattern, groups: [$0.group]) }
            + (inherit ? base.transducerRules : [])
        var types = inherit ? base.transducerTypes : [:]
        for (type, group) in file.transducer?.types ?? [:] { types[normaliseType(type)] = group }
        let studyGroups = file.study?.groups ?? base.studyGroups
        var descriptions = inherit ? base.studyDescriptions : [:]
        for (name, groups) in file.study?.names ?? [:] { descriptions[normalise(name)] = groups }
        let studyRules =
            (file.study?.rules ?? []).map { Rule(pattern: $0.pattern, groups: $0.groups) }
            + (inherit ? base.studyRules : [])
        do {
            return try LabelMapping(
                transducerGroups: transducerGroups, transducerNames: names, transducerRules: transducerRules,
                transducerTypes: types, studyGroups: studyGroups, studyDescriptions: descriptions, studyRules: studyRules)
        } catch let SonoDataError.invalidLabelFile(_, message) {
            throw SonoDataError.invalidLabelFile(path: path, message: message)
        }
    }

    /// Reads a mapping from a YAML file.
    public static func load(contentsOf url: URL) throws -> LabelMapping {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            let missing = !FileManager.default.fileExists(atPath: url.path)
            throw SonoDataError.invalidLabelFile(path: url.path, message: missing ? "no such file" : "cannot be read as UTF-8 text")
        }
        return try load(yaml: text, path: url.path)
    }
}

extension LabelMapping {
    /// The mapping as a self-contained `labels.yaml` (`extends: none`), a starting point to edit.
    public var yaml: String {
        func quote(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        func list(_ items: [String]) -> String { "[" + items.map(quote).joined(separator: ", ") + "]" }
        var lines = [
            "# SonoTag weak-label mapping. Label vector order: transducer groups, then study groups.",
            "extends: none",
            "transducer:",
            "  groups: \(list(transducerGroups))",
            "  names:"
        ]
        for name in transducerNames.keys.sorted() { lines.append("    \(quote(name)): \(quote(transducerNames[name] ?? ""))") }
        lines.append("  rules:")
        for rule in transducerRules { lines.append("    - { pattern: \(quote(rule.pattern)), group: \(quote(rule.groups.first ?? "")) }") }
        lines.append("  types:" + (transducerTypes.isEmpty ? " {}" : ""))
        for type in transducerTypes.keys.sorted() { lines.append("    \(quote(type)): \(quote(transducerTypes[type] ?? ""))") }
        lines.append("study:")
        lines.append("  groups: \(list(studyGroups))")
        lines.append("  names:")
        for name in studyDescriptions.keys.sorted() { lines.append("    \(quote(name)): \(list(studyDescriptions[name] ?? []))") }
        lines.append("  rules:" + (studyRules.isEmpty ? " []" : ""))
        for rule in studyRules { lines.append("    - { pattern: \(quote(rule.pattern)), groups: \(list(rule.groups)) }") }
        if transducerRules.isEmpty { lines[lines.firstIndex(of: "  rules:") ?? 0] = "  rules: []" }
        return lines.joined(separator: "\n") + "\n"
    }
}
