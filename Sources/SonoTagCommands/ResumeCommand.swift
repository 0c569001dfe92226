import Foundation

/// The command line that continues an interrupted training run, as the user would type it.
public enum ResumeCommand {
    /// Set by `--nproc-per-node`'s launcher for its workers: its own arguments (JSON list), so
    /// that the resume line a worker prints starts the same launch again.
    public static let launchArgumentsVariable = "SONOTAG_LAUNCH_ARGUMENTS"

    /// `sonotag` followed by `arguments` (this process's own by default, or its launcher's) with
    /// `--resume` added when missing; each word quoted for a POSIX shell where needed.
    public static func line(
        arguments: [String]? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        var words =
            arguments ?? environment[launchArgumentsVariable].flatMap {
                try? JSONDecoder().decode([String].self, from: Data($0.utf8))
            } ?? Array(CommandLine.arguments.dropFirst())
        if !words.contains("--resume") { words.append("--resume") }
        return (["sonotag"] + words).map(quoted).joined(separator: " ")
    }

    static func quoted(_ word: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=,+@%")
        guard !word.isEmpty, word.unicodeScalars.allSatisfy(plain.contains) else {
            return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        return word
    }
}
