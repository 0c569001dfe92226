/// The exit statuses of both executables (README, "Exit codes"). Scripts can tell a mistake in
/// the command line from bad data and from a failure of the run itself.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    /// Done what was asked.
    case success = 0
    /// The run itself failed: I/O, libtorch, out of memory, a bug.
    case runtimeFailure = 1
    /// The command line is wrong: unknown flag, missing or malformed value (sysexits EX_USAGE,
    /// as swift-argument-parser reports its own parse errors).
    case usageError = 64
    /// The input is wrong or there is nothing to work on: not a manifest, unreadable labels,
    /// a YAML or CSV error, a folder with no DICOM (sysexits EX_DATAERR).
    case dataError = 65
    /// Stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
    case interrupted = 130

    /// One line per status, for `--help` and the README.
    public var meaning: String {
        switch self {
        case .success: return "success"
        case .runtimeFailure: return "runtime failure (I/O, libtorch, out of memory)"
        case .usageError: return "usage error (unknown flag, missing or malformed value)"
        case .dataError: return "data error (input not usable, or nothing to work on)"
        case .interrupted: return "interrupted (SIGINT / SIGTERM)"
        }
    }
}
