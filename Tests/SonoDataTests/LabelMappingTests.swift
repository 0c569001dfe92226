import TestSupport
import XCTest

@testable import SonoData

final class LabelMappingTests: XCTestCase {
    /// The embedded table must be the paper's Table A1 exactly (read here from the committed CSV,
    /// which the binary never reads).
    func testEmbeddedTableMatchesPaperCSV() throws {
        let text = try String(contentsOf: TestData.committed("paper/table_a1_study_descriptions.csv"), encoding: .utf8)
        var expected: [String: [String]] = [:]
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2 else { continue }
            expected[String(fields[0])] = fields[1].split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        XCTAssertEqual(expected.count, 44)
        let mapping = LabelMapping.paperDefault()
        XCTAssertEqual(mapping.studyDescriptions.count, expected.count)
        for (description, groups) in expected {
            XCTAssertEqual(mapping.studyGroups(for: description), groups, description)
        }
    }

    func testLabelOrderAndNormalisation() {
        let mapping = LabelMapping.paperDefault()
        XCTAssertEqual(
            mapping.groupNames,
            ["linear", "curvilinear", "liver", "kidney", "thyroid", "abdomen", "chest", "soft tissue", "nodule", "drainage"])
        // Case and whitespace differences still match; y is hand-computed.
        let y = mapping.labelVector(transducers: ["sc6-1 "], studyDescription: "  us  thyroid biopsy\t")
        XCTAssertEqual(y, [0, 1, 0, 0, 1, 0, 0, 0, 1, 0])
        let drain = mapping.labelVector(transducers: ["SL15-4"], studyDescription: "US DRAINAGE LIVER")
        XCTAssertEqual(drain, [1, 0, 1, 0, 0, 1, 0, 0, 0, 1])
        XCTAssertEqual(mapping.labelVector(transducers: [], studyDescription: "US ABDOMEN COMPLETE"), [Float](repeating: 0, count: 10))
    }

    func testTransducerRules() {
        let mapping = LabelMapping.paperDefault()
        XCTAssertEqual(mapping.transducerGroup(for: "SC6-1"), "curvilinear")
        XCTAssertEqual(mapping.transducerGroup(for: "SL10-2"), "linear")
        XCTAssertEqual(mapping.transducerGroup(for: "SL15-4"), "linear")
        XCTAssertEqual(mapping.transducerGroup(for: "C5-1"), "curvilinear")
        XCTAssertEqual(mapping.transducerGroup(for: "L12-5"), "linear")
        XCTAssertNil(mapping.transducerGroup(for: "4V1c"))
        XCTAssertNil(mapping.transducerGroup(for: "P4-2"))
        XCTAssertEqual(mapping.transducerGroup(forValues: ["", "XYZ", "C1-5"]), "curvilinear")
        let phased = LabelMapping.paperDefault(includePhased: true)
        XCTAssertEqual(phased.groupNames.prefix(3), ["linear", "curvilinear", "phased"])
        XCTAssertEqual(phased.transducerGroup(for: "4V1c"), "phased")
        XCTAssertEqual(phased.transducerGroup(for: "P4-2"), "phased")
        XCTAssertEqual(phased.labelVector(transducers: ["4V1c"], studyDescription: nil).count, 11)
        XCTAssertNotEqual(phased.hash, mapping.hash)
    }

    func testYAMLExtendsPaperMapping() throws {
        let yaml = """
            transducer:
              names: { "EC9-4": curvilinear }
            study:
              names:
                "us abdomen complete": [abdomen, liver]
              rules:
                - { pattern: "THYROID", groups: [thyroid] }
            """
        let mapping = try LabelMapping.load(yaml: yaml)
        XCTAssertEqual(mapping.transducerGroup(for: "ec9-4"), "curvilinear")
        XCTAssertEqual(mapping.transducerGroup(for: "SC6-1"), "curvilinear")
        XCTAssertEqual(mapping.studyGroups(for: "US ABDOMEN COMPLETE"), ["abdomen", "liver"])
        XCTAssertEqual(mapping.studyGroups(for: "US THYROID LOBE SCAN"), ["thyroid"])
        // Exact names win over rules.
        XCTAssertEqual(mapping.studyGroups(for: "US THYROID BIOPSY"), ["thyroid", "nodule"])
        XCTAssertNotEqual(mapping.hash, LabelMapping.paperDefault().hash)
    }

    func testYAMLErrorsNameTheProblem() {
        XCTAssertThrowsError(try LabelMapping.load(yaml: "study:\n  names:\n    \"US X\": [spleen]\n", path: "my.yaml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("my.yaml") && text.contains("spleen"), text)
        }
        XCTAssertThrowsError(try LabelMapping.load(yaml: "transducer:\n  rules:\n    - { pattern: \"([\", group: linear }\n"))
        XCTAssertThrowsError(try LabelMapping.load(yaml: "extends: nothing\n"))
    }

    /// Item 13 of "Nothing silently wrong": YAML errors give line and column, and an unknown key
    /// (a typo that used to be ignored) is an error that lists the known keys.
    func testYAMLErrorsGiveLineColumnAndUnknownKeysListTheKnownOnes() {
        func message(_ yaml: String) -> String {
            do {
                _ = try LabelMapping.load(yaml: yaml, path: "labels.yaml")
                return "no error"
            } catch { return "\(error)" }
        }
        // `studies` for `study`: on main this loaded the paper's mapping without a word.
        let typo = message("extends: paper\nstudies:\n  names:\n    \"US NECK\": [thyroid]\n")
        XCTAssertTrue(typo.contains("labels.yaml:2:1: unknown key 'studies'"), typo)
        XCTAssertTrue(typo.contains("known keys: draft, extends, phased, study, transducer"), typo)
        let nested = message("transducer:\n  rules:\n    - { pattern: \"^EC\", grup: curvilinear }\n")
        XCTAssertTrue(nested.contains("labels.yaml:3:25: unknown key 'transducer.rules.0.grup'"), nested)
        XCTAssertTrue(nested.contains("known keys of transducer.rules.0: group, pattern"), nested)
        // A wrong type points at the value.
        let type = message("extends: paper\nphased: [yes]\n")
        XCTAssertTrue(type.contains("labels.yaml:2:9: phased: expected a single value"), type)
        let word = message("extends: paper\nphased: maybe\n")
        XCTAssertTrue(word.contains("labels.yaml:2:9: phased: expected true or false"), word)
        // A syntax error keeps the parser's position.
        let syntax = message("study:\n  names:\n    \"US X\": [liver\n  rules: []\n")
        XCTAssertTrue(syntax.range(of: #"labels\.yaml:\d+:\d+: YAML syntax"#, options: .regularExpression) != nil, syntax)
    }

    func testPrintedDefaultReloadsToTheSameMapping() throws {
        for phased in [false, true] {
            let original = LabelMapping.paperDefault(includePhased: phased)
            let reloaded = try LabelMapping.load(yaml: original.yaml)
            XCTAssertEqual(reloaded.hash, original.hash)
        }
    }

    func testUnmappedReportAndStoredLabels() throws {
        let folder = try TemporaryFolder()
        let manifest = try ManifestDatabase(path: folder.file("m.sqlite"), createIfMissing: true)
        try manifest.insertSynthetic(path: "/a", patientID: "p1", transducer: "SC6-1", description: "US BIOPSY LIVER FOCAL")
        try manifest.insertSynthetic(path: "/b", patientID: "p1", transducer: "X7\\Y1", description: "us knee")
        try manifest.insertSynthetic(path: "/c", patientID: "p2", transducer: "x7", description: "US KNEE ")
        try manifest.insertSynthetic(path: "/d", patientID: "p3", transducer: nil, description: nil)
        let report = try manifest.applyLabels(.paperDefault())
        XCTAssertEqual(report.labelledFiles, 4)
        XCTAssertEqual(report.groupCounts, [0, 1, 1, 0, 0, 1, 0, 0, 0, 0])
        XCTAssertEqual(report.unmappedDescriptions, [.init(value: "US KNEE", count: 2), .init(value: "(empty)", count: 1)])
        XCTAssertEqual(
            report.unmappedTransducers, [.init(value: "(empty)", count: 1), .init(value: "X7", count: 1), .init(value: "X7\\Y1", count: 1)])
        let stored = try manifest.storedLabels(mappingHash: LabelMapping.paperDefault().hash)
        XCTAssertEqual(stored.count, 4)
        XCTAssertEqual(stored.values.map { $0.count }, [10, 10, 10, 10])
        XCTAssertTrue(try manifest.storedLabels(mappingHash: "other").isEmpty)
    }
}
