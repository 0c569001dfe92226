import TestSupport
import XCTest

@testable import SonoData

/// `labels --suggest`: keyword proposals for unmapped Study Descriptions as real archives write
/// them (the examples, several languages), a deterministic draft that is never applied
/// silently, and a mapping format with groups beyond the paper's eight.
final class StudySuggestionTests: XCTestCase {
    static let unmapped: [LabelReport.Count] = [
        .init(value: "US KIDNEY", count: 14),
        .init(value: "ECHOCARDIOGRAPHY", count: 9),
        .init(value: "THYROID", count: 7),
        .init(value: "US CHEST WALL/SOFT TISSUE", count: 5),
        .init(value: "US GUIDANCE NEEDLE PLACEMENT", count: 4),
        .init(value: "ECOTOMOGRAFÍA CODO IZQUIERDO", count: 3),
        .init(value: "US DOPLER", count: 3),
        .init(value: "US BREAST LEFT", count: 2),
        .init(value: "OB 2ND TRIMESTER FETAL ANATOMY", count: 2),
        .init(value: "ECOGRAFÍA RIÑÓN DERECHO", count: 1),
        .init(value: "SCHILDDRÜSE", count: 1),
        .init(value: "NERVE BLOCK INTERSCALENE", count: 1),
        .init(value: "KIDS CLINIC 4", count: 1),
        .init(value: LabelReport.emptyValue, count: 6)
    ]

    func testProposalsForRealDescriptions() {
        let suggestions = StudySuggestions.suggest(Self.unmapped, mapping: .paperDefault())
        let groups = Dictionary(uniqueKeysWithValues: suggestions.map { ($0.description, $0.groups) })
        XCTAssertEqual(groups["US KIDNEY"], ["kidney", "abdomen"])
        XCTAssertEqual(groups["ECHOCARDIOGRAPHY"], ["cardiac"])
        XCTAssertEqual(groups["THYROID"], ["thyroid"])
        XCTAssertEqual(groups["US CHEST WALL/SOFT TISSUE"], ["chest", "soft tissue"])
        XCTAssertEqual(groups["US GUIDANCE NEEDLE PLACEMENT"], ["soft tissue"])
        XCTAssertEqual(groups["ECOTOMOGRAFÍA CODO IZQUIERDO"], ["musculoskeletal"])
        XCTAssertEqual(groups["US DOPLER"], ["vascular"])
        XCTAssertEqual(groups["US BREAST LEFT"], ["breast"])
        XCTAssertEqual(groups["OB 2ND TRIMESTER FETAL ANATOMY"], ["fetal"])
        XCTAssertEqual(groups["ECOGRAFÍA RIÑÓN DERECHO"], ["kidney", "abdomen"])
        XCTAssertEqual(groups["SCHILDDRÜSE"], ["thyroid"])
        XCTAssertEqual(groups["NERVE BLOCK INTERSCALENE"], ["nerve"])
        // Whole words only: KIDS is not KIDNEY.
        XCTAssertEqual(groups["KIDS CLINIC 4"], [])
        // An empty description cannot be mapped by name.
        XCTAssertNil(groups[LabelReport.emptyValue])
        let codo = suggestions.first { $0.description.hasPrefix("ECOTOMOGRAF") }
        XCTAssertEqual(codo?.firedRules, ["musculoskeletal (CODO)"])
        XCTAssertEqual(codo?.count, 3)
    }

    func testDraftIsDeterministicMarkedAndNotAppliedUntilReviewed() throws {
        let mapping = LabelMapping.paperDefault()
        let draft = StudySuggestions.draftYAML(StudySuggestions.suggest(Self.unmapped, mapping: mapping), mapping: mapping)
        let again = StudySuggestions.draftYAML(StudySuggestions.suggest(Self.unmapped, mapping: mapping), mapping: mapping)
        XCTAssertEqual(draft, again)
        XCTAssertTrue(draft.contains("draft: true"))
        XCTAssertTrue(
            draft.contains("    # REVIEW 14 images; rules: kidney (KIDNEY)\n    \"US KIDNEY\": [\"kidney\", \"abdomen\"]\n"), draft)
        XCTAssertTrue(draft.contains("    # REVIEW 1 image; no rule fired: map by hand\n    # \"KIDS CLINIC 4\": []\n"), draft)
        XCTAssertTrue(
            draft.contains(
                "  groups: [\"liver\", \"kidney\", \"thyroid\", \"abdomen\", \"chest\", \"soft tissue\", \"nodule\", \"drainage\", \"breast\", \"fetal\", \"cardiac\", \"nerve\", \"vascular\", \"musculoskeletal\"]"
            ), draft)
        // Never applied silently: as written it is refused, naming the file and what to do.
        XCTAssertThrowsError(try LabelMapping.load(yaml: draft, path: "draft.yaml")) { error in
            XCTAssertTrue("\(error)".contains("draft.yaml") && "\(error)".contains("draft: true"), "\(error)")
        }
        // Reviewed (the marker deleted), it is a valid mapping with the new groups.
        let reviewed = try LabelMapping.load(yaml: draft.replacingOccurrences(of: "draft: true\n", with: ""))
        XCTAssertEqual(reviewed.studyGroups.count, 14)
        XCTAssertEqual(reviewed.studyGroups(for: "echocardiography"), ["cardiac"])
        XCTAssertEqual(reviewed.studyGroups(for: "US THYROID BIOPSY"), ["thyroid", "nodule"])
        XCTAssertEqual(reviewed.studyGroups(for: "KIDS CLINIC 4"), [])
    }

    /// Groups beyond the paper's eight, in a hand-written mapping: label order is the file's.
    func testMappingSupportsGroupsBeyondThePapersEight() throws {
        let yaml = """
            study:
              groups: [liver, kidney, thyroid, abdomen, chest, soft tissue, nodule, drainage, breast, fetal, nerve, cardiac]
              names:
                "US BREAST": [breast]
                "OB ANATOMY SCAN": [fetal]
              rules:
                - { pattern: "NERVE", groups: [nerve] }
                - { pattern: "ECHO", groups: [cardiac] }
            """
        let mapping = try LabelMapping.load(yaml: yaml)
        XCTAssertEqual(mapping.count, 14)
        XCTAssertEqual(
            mapping.labelVector(transducers: ["L12-5"], studyDescription: "us breast"),
            [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0])
        XCTAssertEqual(mapping.labelVector(transducers: [], studyDescription: "TTE ECHO"), [Float](repeating: 0, count: 13) + [1])
        XCTAssertEqual(mapping.studyGroups(for: "US NERVE BLOCK"), ["nerve"])
        XCTAssertEqual(mapping.studyGroups(for: "US THYROID BIOPSY"), ["thyroid", "nodule"])
    }
}
