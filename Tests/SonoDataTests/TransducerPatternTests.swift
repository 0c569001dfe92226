import TestSupport
import XCTest

@testable import SonoData

/// Probe geometry from Transducer Data strings as vendors export them (the issue's list, from
/// public files of several vendors) and from Transducer Type defined terms (PS3.3 C.8.5.5).
final class TransducerPatternTests: XCTestCase {
    /// Transducer Data as stored (values joined with `\`) → geometry a sonographer would name.
    static let vendorStrings: [(data: String?, group: String?, phasedGroup: String?)] = [
        ("L12_5", "linear", "linear"),
        ("6C1 HD", "curvilinear", "curvilinear"),
        ("15L4\\15L4\\CompensationLut.Y", "linear", "linear"),
        ("9d\\6L3", "linear", "linear"),
        ("S5-1\\UNUSED\\UNUSED", nil, "phased"),
        ("S5_1\\55360", nil, "phased"),
        ("C5-1", "curvilinear", "curvilinear"),
        (nil, nil, nil),
        // The paper's three probes.
        ("SC6-1", "curvilinear", "curvilinear"),
        ("SL10-2", "linear", "linear"),
        ("SL15-4", "linear", "linear"),
        // Other common spellings.
        ("ML6-15-D", "linear", "linear"),
        ("9L-D", "linear", "linear"),
        ("4C-RS", "curvilinear", "curvilinear"),
        ("IC5-9-D", "curvilinear", "curvilinear"),
        ("P4-2", nil, "phased"),
        ("4V1c", nil, "phased"),
        ("M5Sc-D", nil, "phased"),
        ("UNUSED\\55360", nil, nil)
    ]

    func testVendorTransducerStrings() {
        let paper = LabelMapping.paperDefault()
        let phased = LabelMapping.paperDefault(includePhased: true)
        for entry in Self.vendorStrings {
            let values = FileRecord.values(entry.data)
            XCTAssertEqual(paper.transducerGroup(forValues: values), entry.group, entry.data ?? "(absent)")
            XCTAssertEqual(phased.transducerGroup(forValues: values), entry.phasedGroup, "phased: \(entry.data ?? "(absent)")")
        }
    }

    /// Before this change `^C` took `CompensationLut.Y` for a curved array; every value is seen now,
    /// and the first that names a geometry wins.
    func testOtherValuesOfAMultiValuedTransducerDataDoNotMatch() {
        let mapping = LabelMapping.paperDefault()
        XCTAssertNil(mapping.transducerGroup(for: "CompensationLut.Y"))
        XCTAssertNil(mapping.transducerGroup(for: "UNUSED"))
        XCTAssertNil(mapping.transducerGroup(for: "55360"))
        XCTAssertNil(mapping.transducerGroup(for: "9d"))
        XCTAssertEqual(mapping.transducerGroup(forValues: ["9d", "6L3"]), "linear")
    }

    func testTransducerTypeFallback() {
        let paper = LabelMapping.paperDefault()
        let phased = LabelMapping.paperDefault(includePhased: true)
        let cases: [(type: String, group: String?, phasedGroup: String?)] = [
            ("LINEAR", "linear", "linear"),
            ("CURVED LINEAR", "curvilinear", "curvilinear"),
            ("CURVED_LINEAR", "curvilinear", "curvilinear"),
            ("SECTOR_PHASED", nil, "phased"),
            ("VECTOR_PHASED", nil, "phased"),
            ("ENDOCAV_CLA", "curvilinear", "curvilinear"),
            ("SECTOR_MECH", nil, nil)
        ]
        for entry in cases {
            XCTAssertEqual(paper.transducerGroup(forValues: [], types: [entry.type]), entry.group, entry.type)
            XCTAssertEqual(phased.transducerGroup(forValues: [], types: [entry.type]), entry.phasedGroup, entry.type)
        }
        // A recognised probe name wins over the type; an unrecognised one falls back to it.
        XCTAssertEqual(paper.transducerGroup(forValues: ["SL10-2"], types: ["CURVED LINEAR"]), "linear")
        XCTAssertEqual(paper.transducerGroup(forValues: ["9d", "UNUSED"], types: ["CURVED LINEAR"]), "curvilinear")
        // y is hand-computed: [linear, curvilinear, phased, …study groups].
        XCTAssertEqual(
            phased.labelVector(transducers: [], transducerTypes: ["SECTOR_PHASED"], studyDescription: nil),
            [0, 0, 1] + [Float](repeating: 0, count: 8))
    }

    /// The paper's behaviour is unchanged: its three probes, and a missing Transducer Data
    /// (what the phantom writes), map exactly as before.
    func testPaperProbesAndAbsentValueUnchanged() {
        let mapping = LabelMapping.paperDefault()
        XCTAssertEqual(mapping.labelVector(transducers: ["SC6-1"], studyDescription: nil).prefix(2), [0, 1])
        XCTAssertEqual(mapping.labelVector(transducers: ["SL10-2"], studyDescription: nil).prefix(2), [1, 0])
        XCTAssertEqual(mapping.labelVector(transducers: ["SL15-4"], studyDescription: nil).prefix(2), [1, 0])
        XCTAssertEqual(mapping.labelVector(transducers: [], studyDescription: nil).prefix(2), [0, 0])
    }

    func testYAMLTypesAndReload() throws {
        let mapping = try LabelMapping.load(yaml: "transducer:\n  types: { \"single crystal\": linear }\n")
        XCTAssertEqual(mapping.transducerGroup(forValues: [], types: ["SINGLE CRYSTAL"]), "linear")
        XCTAssertEqual(mapping.transducerGroup(forValues: [], types: ["CURVED LINEAR"]), "curvilinear")
        XCTAssertThrowsError(try LabelMapping.load(yaml: "transducer:\n  types: { LINEAR: phased }\n", path: "t.yaml")) { error in
            XCTAssertTrue("\(error)".contains("t.yaml") && "\(error)".contains("phased"), "\(error)")
        }
    }

    /// Unresolvable values stay in the report, with counts; a type that maps resolves the file.
    func testUnresolvableValuesAreReportedWithCounts() throws {
        let folder = try TemporaryFolder()
        let manifest = try ManifestDatabase(path: folder.file("m.sqlite"), createIfMissing: true)
        for (path, data) in [
            ("/a", "S5-1\\UNUSED\\UNUSED"), ("/b", "S5-1\\UNUSED\\UNUSED"), ("/c", "15L4\\15L4\\CompensationLut.Y"), ("/d", "9d")
        ] {
            try manifest.insertSynthetic(path: path, patientID: "p", transducer: data, description: "US THYROID BIOPSY")
        }
        var typed = FileRecord(path: "/e", size: 1, mtimeNs: 1, status: .ok)
        typed.transducerType = "CURVED LINEAR"
        try manifest.pool.write { db in try typed.insert(db) }
        let report = try manifest.applyLabels(.paperDefault())
        XCTAssertEqual(report.groupCounts.prefix(2), [1, 1])
        XCTAssertEqual(report.unmappedTransducers, [.init(value: "S5-1\\UNUSED\\UNUSED", count: 2), .init(value: "9D", count: 1)])
        let phased = try manifest.applyLabels(.paperDefault(includePhased: true))
        XCTAssertEqual(phased.groupCounts.prefix(3), [1, 1, 2])
        XCTAssertEqual(phased.unmappedTransducers, [.init(value: "9D", count: 1)])
    }
}
