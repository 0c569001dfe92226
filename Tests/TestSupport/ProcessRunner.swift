import Foundation

/// What a finished process printed, and how it ended.
public struct ProcessOutput {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String

    /// Both streams, standard output first: for failure messages.
    public var combined: String { standardOutput + standardError }
}

/// Runs a program to completion and captures both of its streams.
public enum ProcessRunner {
    /// - Parameters:
    ///   - environment: variables set on top of this process's environment.
    ///   - replacingEnvironment: start from an empty environment instead (then `environment` is all
    ///     the child sees), for tests that must not depend on the caller's variables.
    @discardableResult
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:],
        replacingEnvironment: Bool = false, currentDirectory: URL? = nil
    ) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment =
            replacingEnvironment
            ? environment : ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain standard error on another thread: a child that fills one pipe while we wait on
        // the other would otherwise block forever.
        var errorData = Data()
        let drained = DispatchGroup()
        drained.enter()
        DispatchQueue.global().async {
            errorData = err.fileHandleForReading.readDataToEndOfFile()
            drained.leave()
        }
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return ProcessOutput(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }

    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        replacingEnvironment: Bool = false
    ) throws -> ProcessOutput {
        try run(URL(fileURLWithPath: executable), arguments, environment: environment, replacingEnvironment: replacingEnvironment)
    }
}
