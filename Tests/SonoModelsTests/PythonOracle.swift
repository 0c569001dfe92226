import Foundation
import XCTest

/// Debian's python3 with torch + torchvision: the reference the parity tests compare against.
/// Tests that need it skip when it is missing.
enum PythonOracle {
    static let python = "/usr/bin/python3"

    static var repositoryRoot: URL {
        // Tests/SonoModelsTests/PythonOracle.swift → repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func requireTorchvision() throws {
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("\(python) not found") }
        let (status, _) = try run(["-c", "import torch, torchvision"])
        if status != 0 { throw XCTSkip("\(python) cannot import torch and torchvision") }
    }

    /// Runs python with `arguments`, returning the exit status and stdout.
    @discardableResult
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["OMP_NUM_THREADS"] = "1"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `name shape` lines of each torchvision model's state_dict, in its order (one python run;
    /// weights are left uninitialised there, as only names and shapes matter).
    static func stateDictKeys(_ constructors: [String]) throws -> [String: [String]] {
        let (status, out) = try run(["-c", """
            import sys, torch, torchvision
            torch.nn.init.kaiming_normal_ = torch.nn.init.normal_ = torch.nn.init.constant_ = \\
                torch.nn.init.kaiming_uniform_ = torch.nn.init.uniform_ = lambda t, *a, **k: t
            for name in sys.argv[1:]:
                print("#", name)
                for k, v in getattr(torchvision.models, name)().state_dict().items():
                    print(k, list(v.shape))
            """] + constructors)
        guard status == 0 else { throw XCTSkip("torchvision.models failed for \(constructors)") }
        var result: [String: [String]] = [:]
        var current = ""
        for line in out.split(separator: "\n").map(String.init) {
            if line.hasPrefix("# ") { current = String(line.dropFirst(2)) } else { result[current, default: []].append(line) }
        }
        return result
    }
}
