import Foundation
import XCTest

/// Something a test needs from outside the repository (a Debian tool, a Python package, the
/// reference corpus) that is not there.
///
/// On a person's machine the test is skipped with a line that says how to enable it. Under
/// `CI=true` it fails instead: a CI run that skipped the comparisons with pydicom or dcmtk would
/// look green while checking none of them.
public struct MissingPrerequisite: Error, CustomStringConvertible {
    public let what: String
    public let howToEnable: String

    public var description: String { "\(what) is missing; \(howToEnable)" }
}

public enum Prerequisite {
    /// The fix offered by default: `make setup` installs every Debian package and prepares the
    /// pinned Python reference environment.
    public static let makeSetup = "run `make setup` (it installs every test prerequisite)"

    /// Whether missing prerequisites fail rather than skip (`CI=true`, as `.ci/run` sets it).
    public static var failsWhenMissing: Bool {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased()
        return value == "true" || value == "1"
    }

    /// The error a test throws when `what` is absent: a skip here, a failure under CI.
    public static func missing(_ what: String, howToEnable: String = makeSetup) -> Error {
        let missing = MissingPrerequisite(what: what, howToEnable: howToEnable)
        if failsWhenMissing { return missing }
        return XCTSkip(missing.description)
    }

    /// An executable from a Debian package, searched on $PATH and in /usr/bin and /usr/local/bin.
    public static func executable(_ name: String, package: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        for folder in folders where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return URL(fileURLWithPath: "\(folder)/\(name)")
        }
        throw missing("\(name) (Debian package \(package))")
    }
}
