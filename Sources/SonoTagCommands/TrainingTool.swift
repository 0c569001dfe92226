import Foundation

/// Finds the `sonotag-train` executable that runs the `TrainingCommand`s.
///
/// Order: `$SONOTAG_TRAIN` when set (an explicit choice must work, so a bad value is an error, not
/// a fallback), then the folder of the running `sonotag` (how `swift build` and installs lay
/// them out), then `$PATH`.
public struct TrainingTool: Sendable {
    public static let executableName = "sonotag-train"
    public static let overrideVariable = "SONOTAG_TRAIN"

    public enum LocateError: Error, Equatable, CustomStringConvertible {
        case overrideNotExecutable(String)
        case notFound(searched: [String])

        public var description: String {
            switch self {
            case .overrideNotExecutable(let path):
                return "\(TrainingTool.overrideVariable)=\(path) is not an executable file"
            case .notFound(let searched):
                return "\(TrainingTool.executableName), which runs the training commands, was not found "
                    + "(looked in \(searched.joined(separator: ", "))); build it with `make build` "
                    + "or `swift build -c release`, and keep it beside `sonotag`"
            }
        }
    }

    public let environment: [String: String]
    /// The running `sonotag`'s own path, symlinks resolved.
    public let executablePath: String?
    public let isExecutable: @Sendable (String) -> Bool

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executablePath: String? = TrainingTool.runningExecutablePath(),
        isExecutable: @escaping @Sendable (String) -> Bool = { FileManager.default.isExecutableFile(atPath: $0) }
    ) {
        self.environment = environment
        self.executablePath = executablePath
        self.isExecutable = isExecutable
    }

    public func locate() -> Result<String, LocateError> {
        if let explicit = environment[Self.overrideVariable], !explicit.isEmpty {
            return isExecutable(explicit) ? .success(explicit) : .failure(.overrideNotExecutable(explicit))
        }
        var folders: [String] = []
        if let executablePath {
            folders.append((executablePath as NSString).deletingLastPathComponent)
        }
        for folder in (environment["PATH"] ?? "").split(separator: ":").map(String.init) where !folders.contains(folder) {
            folders.append(folder)
        }
        for folder in folders {
            let candidate = (folder as NSString).appendingPathComponent(Self.executableName)
            if isExecutable(candidate) { return .success(candidate) }
        }
        return .failure(.notFound(searched: folders))
    }

    /// `/proc/self/exe` on Linux (exact even when started through `$PATH` or a symlink), else argv[0].
    public static func runningExecutablePath() -> String? {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        guard let first = CommandLine.arguments.first, first.contains("/") else { return nil }
        return URL(fileURLWithPath: first).resolvingSymlinksInPath().path
    }
}
