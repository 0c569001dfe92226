import Foundation

/// Proposed study groups for descriptions the mapping does not cover, from keyword rules:
/// anatomy and procedure words in English, Spanish, French, German, Italian and Portuguese,
/// and common abbreviations. A suggestion is a draft for a radiologist to review; SonoTag
/// never applies one by itself (`draftYAML` writes `draft: true`, which `LabelMapping.load`
/// refuses until it is deleted).
public enum StudySuggestions {
    /// One keyword rule: a name for the report, whole words (regex alternatives, matched on the
    /// upper-cased description with accents removed) and the groups it proposes.
    public struct KeywordRule: Sendable {
        public var name: String
        public var words: [String]
        public var groups: [String]
    }

    public struct Suggestion: Sendable, Equatable {
        /// The normalised description.
        public var description: String
        /// Images carrying it.
        public var count: Int
        /// Proposed groups, in label order (the mapping's groups, then new ones).
        public var groups: [String]
        /// `rule (word)` for every rule that fired, in rule order.
        public var firedRules: [String]
    }

    /// In the order groups first appear here, new groups follow the mapping's.
    public static let rules: [KeywordRule] = [
        .init(
            name: "liver", words: ["LIVER", "HEPAT[A-Z]*", "HIGADO", "FIGADO", "FOIE", "LEBER", "FEGATO", "RUQ"],
            groups: ["liver", "abdomen"]),
        .init(
            name: "kidney", words: ["KIDNEYS?", "RENAL", "RENE", "RENI", "RINON(ES)?", "RIM", "NIEREN?", "REINS?", "NEPHR[A-Z]*"],
            groups: ["kidney", "abdomen"]),
        .init(name: "thyroid", words: ["THYROID[A-Z]*", "TIROIDE[A-Z]*", "TIREOIDE", "SCHILDDRUSE", "THYR"], groups: ["thyroid"]),
        .init(
            name: "abdomen",
            words: [
                "ABDOMEN", "ABDOMINAL", "ABD", "ABDOMINO[A-Z]*", "ADDOME", "ADDOMINALE", "BAUCH", "PELVIS", "PELVIC", "PELVICA", "PELVICO",
                "RETROPERITONE[A-Z]*", "MESENTER[A-Z]*", "GALLBLADDER", "VESICULA", "SPLEEN", "BAZO", "PANCREA[A-Z]*"
            ], groups: ["abdomen"]),
        .init(
            name: "chest",
            words: [
                "CHEST", "THORAX", "THORACIC", "TORAX", "TORACIC[A-Z]*", "TORACE", "PLEURA[A-Z]*", "LUNGS?", "PULMON[A-Z]*", "THORACENTESIS"
            ], groups: ["chest"]),
        .init(
            name: "soft tissue",
            words: [
                "SOFT TISSUES?", "PARTES BLANDAS", "TEJIDOS? BLANDOS?", "WEICHTEIL[A-Z]*", "TESSUTI MOLLI", "PARTIES MOLLES",
                "SUBCUTANEOUS", "SKIN", "NECK", "CUELLO", "LUMP"
            ], groups: ["soft tissue"]),
        .init(
            name: "node", words: ["NODULES?", "NODULO", "NODULAR", "LYMPH NODES?", "LN", "GANGLIO[A-Z]*", "ADENOPAT[A-Z]*"],
            groups: ["nodule"]),
        .init(name: "biopsy", words: ["BIOPS[A-Z]*", "FNA", "PAAF", "FNAB", "CORE"], groups: ["nodule"]),
        .init(
            name: "drainage",
            words: [
                "DRAIN[A-Z]*", "DRENAJE", "PARACENTESIS", "THORACENTESIS", "TORACOCENTESIS", "ASPIRATION", "ASPIRAC[A-Z]*",
                "CATHETER", "CHEST TUBE", "NEPHROSTOMY", "CHOLECYSTOSTOMY", "ABSCESS", "ABSCESO"
            ], groups: ["drainage"]),
        .init(
            name: "intervention",
            words: ["NEEDLE", "GUIDANCE", "GUIDED", "INTERVENTION[A-Z]*", "PLACEMENT", "INJECTION", "GUIA", "AGUJA", "PUNCION"],
            groups: ["soft tissue"]),
        .init(
            name: "breast",
            words: ["BREASTS?", "MAMA", "MAMAS", "MAMARI[AO]", "SENO", "MAMMA[A-Z]*", "SEINS?", "BRUST", "AXILLA[A-Z]*", "AXILA"],
            groups: ["breast"]),
        .init(
            name: "fetal",
            words: [
                "FETAL", "FETUS", "FOETUS", "FETO", "OB", "OBSTETRIC[A-Z]*", "PREGNANCY", "EMBARAZO", "GESTAC[A-Z]*", "NUCHAL",
                "SCHWANGERSCHAFT", "GRAVIDANZA"
            ], groups: ["fetal"]),
        .init(
            name: "cardiac",
            words: ["ECHO", "ECHOCARDIO[A-Z]*", "ECOCARDIO[A-Z]*", "CARDIAC", "HEART", "CORAZON", "HERZ", "CUORE", "COEUR", "TTE", "TEE"],
            groups: ["cardiac"]),
        .init(
            name: "nerve", words: ["NERVES?", "NERVIOS?", "NERFS?", "NERV", "PLEXUS", "PLEXO", "SCIATIC", "BLOQUEO", "NERVE BLOCK"],
            groups: ["nerve"]),
        .init(
            name: "vascular",
            words: [
                "DOPP?LER", "DUPLEX", "VASCULAR", "CAROTID[A-Z]*", "VENOUS", "VENOSO", "ARTERIAL", "DVT", "VEINS?", "VENAS?",
                "ARTER(Y|IES|IA|IAS)", "AORTA", "ANEURYSM"
            ], groups: ["vascular"]),
        .init(
            name: "musculoskeletal",
            words: [
                "MSK", "MUSCULOSKELETAL", "SHOULDER", "HOMBRO", "ELBOW", "CODO", "WRIST", "MUNECA", "HAND", "MANO", "HIP", "CADERA",
                "KNEE", "RODILLA", "ANKLE", "TOBILLO", "FOOT", "PIE", "TENDONS?", "MUSCLE", "MUSCULO", "JOINT",
                "SCHULTER", "KNIE", "ELLENBOGEN", "SPALLA", "GOMITO", "GINOCCHIO", "EPAULE", "COUDE", "GENOU"
            ], groups: ["musculoskeletal"]),
        .init(
            name: "gynaecology",
            words: ["UTERUS", "UTERO", "UTERINE", "OVAR[A-Z]*", "ENDOMETR[A-Z]*", "TRANSVAGINAL", "GYN[A-Z]*", "GINECOLOG[A-Z]*"],
            groups: ["gynaecology"]),
        .init(name: "scrotum", words: ["SCROT[A-Z]*", "TESTI[A-Z]*", "ESCROT[A-Z]*"], groups: ["scrotum"])
    ]

    private static let compiled: [NSRegularExpression] = rules.map { rule in
        // Whole words only: KIDNEY, not the KID of KIDS.
        let pattern = "(?<![A-Z0-9])(" + rule.words.joined(separator: "|") + ")(?![A-Z0-9])"
        do { return try NSRegularExpression(pattern: pattern) } catch { preconditionFailure("keyword rule \(rule.name): \(error)") }
    }

    /// Upper case, accents removed (ECOTOMOGRAFÍA → ECOTOMOGRAFIA, RIÑÓN → RINON), whitespace collapsed.
    static func fold(_ text: String) -> String {
        LabelMapping.normalise(text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil))
    }

    /// The rules that fire on `description`, each with the word that fired it.
    public static func matches(_ description: String) -> [(rule: KeywordRule, word: String)] {
        let text = fold(description)
        let range = NSRange(text.startIndex..., in: text)
        return zip(rules, compiled).compactMap { rule, regex in
            guard let match = regex.firstMatch(in: text, range: range), let found = Range(match.range, in: text) else { return nil }
            return (rule, String(text[found]))
        }
    }

    /// Suggestions for `unmapped` descriptions (with their counts, as `LabelReport` lists them),
    /// in that order; groups are ordered after `mapping.studyGroups`, new groups after them.
    public static func suggest(_ unmapped: [LabelReport.Count], mapping: LabelMapping) -> [Suggestion] {
        let order = groupOrder(after: mapping.studyGroups)
        return unmapped.filter { $0.value != LabelReport.emptyValue }.map { entry in
            let fired = matches(entry.value)
            let groups = Set(fired.flatMap(\.rule.groups))
            return Suggestion(
                description: entry.value, count: entry.count,
                groups: order.filter(groups.contains),
                firedRules: fired.map { "\($0.rule.name) (\($0.word))" })
        }
    }

    /// `existing`, then every group the rules can propose that it lacks, in rule order.
    static func groupOrder(after existing: [String]) -> [String] {
        var order = existing
        for group in rules.flatMap(\.groups) where !order.contains(group) { order.append(group) }
        return order
    }

    /// The draft `labels.yaml`: the suggestions as exact names, each under a comment with its
    /// count and the rules that fired; descriptions no rule recognises are listed commented out.
    /// Same suggestions, same bytes.
    public static func draftYAML(_ suggestions: [Suggestion], mapping: LabelMapping) -> String {
        func quote(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let used = Set(suggestions.flatMap(\.groups))
        let groups = groupOrder(after: mapping.studyGroups).filter { mapping.studyGroups.contains($0) || used.contains($0) }
        let images = suggestions.reduce(0) { $0 + $1.count }
        var lines = [
            "# DRAFT weak-label mapping from `sonotag labels --suggest`: proposals from keyword rules,",
            "# not a radiologist's mapping. Nothing here is applied. Review every entry: correct its groups",
            "# or delete it, then delete the `draft: true` line and pass this file with --labels",
            "# (or copy the entries into your own labels.yaml).",
            "# \(suggestions.count) unmapped descriptions, \(images) images; \(suggestions.filter { !$0.groups.isEmpty }.count) with a proposal.",
            "draft: true",
            "extends: paper",
            "study:",
            "  # New groups are appended to the label vector; delete those you do not want.",
            "  groups: [" + groups.map(quote).joined(separator: ", ") + "]",
            "  names:"
        ]
        for suggestion in suggestions {
            let counted = "\(suggestion.count) image\(suggestion.count == 1 ? "" : "s")"
            if suggestion.groups.isEmpty {
                lines.append("    # REVIEW \(counted); no rule fired: map by hand")
                lines.append("    # \(quote(suggestion.description)): []")
            } else {
                lines.append("    # REVIEW \(counted); rules: \(suggestion.firedRules.joined(separator: ", "))")
                lines.append("    \(quote(suggestion.description)): [" + suggestion.groups.map(quote).joined(separator: ", ") + "]")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
