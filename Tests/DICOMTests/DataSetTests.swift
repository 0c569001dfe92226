import XCTest

@testable import DICOM

/// DataSet lookups binary-search while tags arrive in ascending order and switch to a hash index
/// when they do not; both must behave like a plain dictionary in insertion order.
final class DataSetTests: XCTestCase {
    private func element(_ raw: UInt32, _ value: UInt8) -> DataElement {
        DataElement(tag: Tag(rawValue: raw), vr: .OB, value: .bytes([value]))
    }

    private func value(_ e: DataElement?) -> UInt8? {
        guard let e, case .bytes(let b) = e.value else { return nil }
        return b.first
    }

    func testRandomOperationsMatchADictionaryModel() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            var ds = DataSet()
            var model: [UInt32: UInt8] = [:]
            var order: [UInt32] = []
            // Half the rounds insert ascending only (the binary-search path), half in any order.
            let ascending = round % 2 == 0
            var next: UInt32 = 0x0008_0005
            for step in 0..<60 {
                let raw: UInt32
                if ascending {
                    next += UInt32.random(in: 1...300, using: &generator)
                    raw = Bool.random(using: &generator) && !order.isEmpty ? order.randomElement(using: &generator)! : next
                } else {
                    raw = UInt32.random(in: 0x0008_0000...0x0008_0040, using: &generator)
                }
                if step % 9 == 8, let victim = order.randomElement(using: &generator) {
                    ds.remove(Tag(rawValue: victim))
                    model[victim] = nil
                    order.removeAll { $0 == victim }
                    continue
                }
                let v = UInt8(step)
                ds.set(element(raw, v))
                if model[raw] == nil { order.append(raw) }
                model[raw] = v
            }
            XCTAssertEqual(ds.tags.map(\.rawValue), order, "round \(round)")
            for probe in Set(order + (0..<40).map { _ in UInt32.random(in: 0x0008_0000...0x0008_4000, using: &generator) }) {
                XCTAssertEqual(value(ds[Tag(rawValue: probe)]), model[probe], "round \(round) tag \(Tag(rawValue: probe))")
                XCTAssertEqual(ds.contains(Tag(rawValue: probe)), model[probe] != nil)
            }
        }
    }

    func testOutOfOrderTagsStillFound() {
        var ds = DataSet()
        for raw: UInt32 in [0x0010_0010, 0x0008_0060, 0x0028_0010, 0x0008_0016] { ds.set(element(raw, UInt8(raw & 0xFF))) }
        XCTAssertEqual(value(ds[Tag(0x0008, 0x0060)]), 0x60)
        XCTAssertEqual(value(ds[Tag(0x0008, 0x0016)]), 0x16)
        XCTAssertNil(ds[Tag(0x0008, 0x0020)])
        ds.remove(Tag(0x0010, 0x0010))
        XCTAssertEqual(ds.tags, [Tag(0x0008, 0x0060), Tag(0x0028, 0x0010), Tag(0x0008, 0x0016)])
        XCTAssertEqual(value(ds[Tag(0x0028, 0x0010)]), 0x10)
    }
}
