import Foundation
import TestSupport
import XCTest

@testable import DICOM

/// The DICOM reference corpus (pydicom's test files and pydicom's readings), by file name.
enum Fixtures {
    static func file(_ name: String) throws -> URL { try TestData.dicomCorpus().file(name) }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: file(name))) }

    /// expected.json: one record per file.
    static func expected() throws -> [[String: Any]] { try TestData.dicomCorpus().records() }
}

/// Compares a DICOMValue with a JSON value written by pydicom's oracle.
func matches(_ v: DICOMValue?, _ json: Any) -> Bool {
    switch (v, json) {
    case (nil, is NSNull), (.null?, is NSNull): return true
    case (.string(let s)?, let j as String): return s == j
    case (.int(let i)?, let j as NSNumber): return Double(i) == j.doubleValue
    case (.double(let d)?, let j as NSNumber): return abs(d - j.doubleValue) <= 1e-9 * max(1, abs(d))
    case (.array(let a)?, let j as [Any]): return a.count == j.count && zip(a, j).allSatisfy { matches($0, $1) }
    default: return false
    }
}
