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

    deinit { remove() }

    /// Removes the folder and everything in it now (also done when the object goes away).
    public func remove() { try? FileManager.default.removeItem(at: url) }

    public var path: String { url.path }

    /// The path of `name` inside the folder (not created).
    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }
}

extension XCTestCase {
    /// A fresh folder that lives until the current test ends.
    public func temporaryFolder(_ label: String = "test") throws -> URL {
        let folder = try TemporaryFolder(label)
        // Removed explicitly: swift-corelibs-xctest keeps a test's teardown blocks (and so what
        // they capture) until the process exits, so a folder released by its block was never
        // removed, and one `make test` left about 15 GB of run folders in /tmp.
        addTeardownBlock { folder.remove() }
        return folder.url
    }
}
