import Foundation

/// Where tests find their data. Two kinds exist, and no test reads anything outside the
/// repository and its build folder:
/// - committed data under `Tests/Fixtures` (facts from the paper, small hand-made files);
/// - the DICOM reference corpus that `make setup` generates under `.build/reference` from
///   pinned PyPI packages (`scripts/reference/dicom_corpus.sh`).
public enum TestData {
    /// The repository root, found from this source file (Tests/TestSupport/TestData.swift).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file committed under `Tests/Fixtures`, e.g. `committed("paper/table2_reported.csv")`.
    /// It is part of the repository, so a missing one fails everywhere rather than skipping.
    public static func committed(_ relativePath: String) throws -> URL {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingPrerequisite(
                what: "committed test data Tests/Fixtures/\(relativePath)",
                howToEnable: "restore it from git")
        }
        return url
    }

    /// The 78 DICOM files of pydicom 3.0.2's test suite and what pydicom read from each.
    public static func dicomCorpus() throws -> DICOMCorpus {
        let folder =
            ProcessInfo.processInfo.environment["SONOTAG_DICOM_CORPUS"].map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.appendingPathComponent(".build/reference/dicom")
        let corpus = DICOMCorpus(folder: folder)
        guard FileManager.default.fileExists(atPath: corpus.expectations.path) else {
            throw Prerequisite.missing(
                "the pydicom reference corpus (\(corpus.expectations.path))",
                howToEnable: "run `make setup` (scripts/reference/dicom_corpus.sh makes it from pinned PyPI packages)")
        }
        return corpus
    }
}

/// A folder of DICOM files (`files/`) with pydicom's readings of them (`expected.json`, written by
/// `scripts/reference/dicom_oracle.py`, whose docstring gives the conventions).
public struct DICOMCorpus {
    public let folder: URL

    public var files: URL { folder.appendingPathComponent("files") }
    public var expectations: URL { folder.appendingPathComponent("expected.json") }

    public func file(_ name: String) -> URL { files.appendingPathComponent(name) }

    /// The file names, sorted.
    public func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: files.path).filter { $0.hasSuffix(".dcm") }.sorted()
    }

    /// One record per file, as the oracle wrote them.
    public func records() throws -> [[String: Any]] {
        let data = try Data(contentsOf: expectations)
        guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw MissingPrerequisite(
                what: "a list of records in \(expectations.path)",
                howToEnable: "delete \(folder.path) and run `make setup` to regenerate it")
        }
        return list
    }
}

/// Test data that is present but not what the test was written for (a record without the field
/// it compares, a file without the element it looks for). Thrown, it fails the test: silently
/// skipping would hide that the comparison no longer happens.
public struct UnexpectedTestData: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
