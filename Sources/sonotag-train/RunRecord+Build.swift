import Foundation
import SonoTagCommands
import SonoTrain

extension RunRecord {
    /// `begin` with this executable's version and commit: every command's output folder gets the
    /// same `run.json` from the one owner.
    static func beginSession(in folder: URL, device: String, threads: Int?, data: DataIdentity) throws -> Recorder {
        try begin(in: folder, version: BuildInfo.version, commit: BuildInfo.commit, device: device, threads: threads, data: data)
    }
}
