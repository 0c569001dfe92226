import TestSupport
import XCTest

@testable import SonoData

final class TagStatisticsTests: XCTestCase {
    func testCoverageCardinalityAndTopValues() throws {
        let folder = try TemporaryFolder()
        let manifest = try ManifestDatabase(path: folder.file("m.sqlite"), createIfMissing: true)
        try manifest.setMeta("captured_tags", "[\"00180015\"]")
        let values = ["ABDOMEN", "ABDOMEN", "NECK", "ABDOMEN", "", "CHEST"]
        for (i, value) in values.enumerated() {
            try manifest.insertSynthetic(path: "/\(i)", patientID: "p\(i)", tags: value.isEmpty ? [:] : ["00180015": value])
        }
        let stats = try manifest.tagStatistics(tag: "00180015", top: 2)
        XCTAssertTrue(stats.captured)
        XCTAssertEqual(stats.files, 6)
        XCTAssertEqual(stats.present, 5)
        XCTAssertEqual(stats.distinctValues, 3)
        XCTAssertEqual(stats.topValues, [.init(value: "ABDOMEN", count: 3), .init(value: "CHEST", count: 1)])
        XCTAssertFalse(try manifest.tagStatistics(tag: "00081090").captured)
        XCTAssertThrowsError(try manifest.tagStatistics(tag: "zz"))
    }

    func testIdentifyingTagsAreRefused() {
        XCTAssertThrowsError(try TagSelection(rawTags: [0x0010_0010]))
        XCTAssertThrowsError(try TagSelection(rawTags: [0x0010_0020]))
        XCTAssertThrowsError(try TagSelection(rawTags: [0x0008_0050]))
        XCTAssertNoThrow(try TagSelection(rawTags: [0x0010_0040, 0x0018_0015]))
        XCTAssertFalse(TagSelection.default.tags.contains(where: TagSelection.isForbidden))
    }
}
