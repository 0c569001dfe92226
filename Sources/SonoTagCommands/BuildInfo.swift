import CBuildInfo

/// What `--version` reports and every `run.json` records about the build.
public enum BuildInfo {
    public static let version = "0.1.0"

    /// The git commit of the build (`scripts/build_stamp.sh`, run by every `make` target), with
    /// `-modified` when the tree had uncommitted changes; "unknown" without a stamp.
    public static var commit: String { String(cString: sonotag_git_commit()) }

    /// `sonotag 0.1.0 (commit 0123abcd4567)`.
    public static func versionLine(tool: String) -> String { "\(tool) \(version) (commit \(commit))" }
}
