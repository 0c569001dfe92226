import Foundation
import XCTest

/// A fresh folder under the system's temporary directory, removed with the object.
public final class TemporaryFolder {
    public let url: URL

    /// `label` only makes a leftover folder recognisable; every folder gets a unique name.
    public init(_ label: String = "test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sonotag-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public var path: String { url.path }

    /// The path of `name` inside the folder (not created).
    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }
}

extension XCTestCase {
    /// A fresh folder that lives until the current test ends.
    public func temporaryFolder(_ label: String = "test") throws -> URL {
        let folder = try TemporaryFolder(label)
        // The block holds the folder; it is released, and the folder removed, after the test.
        addTeardownBlock { withExtendedLifetime(folder) {} }
        return folder.url
    }
}
