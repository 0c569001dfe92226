import Foundation
import TestSupport
import XCTest

/// Debian's python3 with torch + torchvision (TestSupport's ReferencePython): the reference the
/// parity tests compare against.
enum PythonOracle {
    static func requireTorchvision() throws { _ = try ReferencePython.torch() }

    /// Runs python with `arguments` on one thread, returning the exit status and stdout.
    @discardableResult
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let result = try ProcessRunner.run(try ReferencePython.torch(), arguments, environment: ["OMP_NUM_THREADS": "1"])
        return (result.status, result.standardOutput)
    }

    /// `name shape` lines of each torchvision model's state_dict, in its order (one python run;
    /// weights are left uninitialised there, as only names and shapes matter).
    static func stateDictKeys(_ constructors: [String]) throws -> [String: [String]] {
        let (status, out) = try run(
            [
                "-c",
                """
                import sys, torch, torchvision
                torch.nn.init.kaiming_normal_ = torch.nn.init.normal_ = torch.nn.init.constant_ = \\
                    torch.nn.init.kaiming_uniform_ = torch.nn.init.uniform_ = lambda t, *a, **k: t
                for name in sys.argv[1:]:
                    print("#", name)
                    for k, v in getattr(torchvision.models, name)().state_dict().items():
                        print(k, list(v.shape))
                """
            ] + constructors)
        guard status == 0 else { throw UnexpectedTestData("torchvision.models failed for \(constructors)") }
        var result: [String: [String]] = [:]
        var current = ""
        for line in out.split(separator: "\n").map(String.init) {
            if line.hasPrefix("# ") { current = String(line.dropFirst(2)) } else { result[current, default: []].append(line) }
        }
        return result
    }
}
