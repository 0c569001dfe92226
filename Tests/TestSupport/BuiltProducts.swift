import Foundation

/// The package's executables, built next to the test bundle by `swift build --build-tests`.
public enum BuiltProducts {
    public static func executable(_ name: String) throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        // The test runner may sit inside the bundle (xctest) a few levels below the products.
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw Prerequisite.missing(
            "the \(name) executable next to the tests",
            howToEnable: "build it with the tests: `swift build --build-tests` (as `make test` does)")
    }
}
