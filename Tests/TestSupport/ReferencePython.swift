import Foundation

/// The Python interpreters the tests compare against, each checked once per test process.
public enum ReferencePython {
    /// Debian's python3 with torch, torchvision and numpy (python3-torch, python3-torchvision).
    public static func torch() throws -> URL { try torchCheck.get() }

    /// Any python3 with numpy (Debian's has it with python3-torch).
    public static func numpy() throws -> URL { try numpyCheck.get() }

    /// A python3 with only the standard library.
    public static func standard() throws -> URL { try standardCheck.get() }

    /// The venv `make setup` builds with the pinned pydicom (scripts/reference/requirements.txt).
    public static func pydicom() throws -> URL { try pydicomCheck.get() }

    private static let debianPython = URL(fileURLWithPath: "/usr/bin/python3")

    private static let torchCheck = check(
        debianPython, imports: "torch, torchvision, numpy",
        what: "/usr/bin/python3 with torch and torchvision (Debian packages python3-torch python3-torchvision)")
    private static let numpyCheck = check(
        debianPython, imports: "numpy", what: "/usr/bin/python3 with numpy (Debian package python3-numpy)")
    private static let standardCheck = check(debianPython, imports: "zlib, struct", what: "/usr/bin/python3 (Debian package python3)")
    private static let pydicomCheck = check(
        TestData.repositoryRoot.appendingPathComponent(".build/venv-ref/bin/python"),
        imports: "pydicom, numpy",
        what: "the pinned pydicom venv (.build/venv-ref)",
        howToEnable: "run `make setup` (scripts/reference/dicom_corpus.sh creates it)")

    private static func check(
        _ python: URL, imports: String, what: String,
        howToEnable: String = Prerequisite.makeSetup
    ) -> Result<URL, Error> {
        guard FileManager.default.isExecutableFile(atPath: python.path),
            let output = try? ProcessRunner.run(python, ["-c", "import \(imports)"]), output.status == 0
        else { return .failure(Prerequisite.missing(what, howToEnable: howToEnable)) }
        return .success(python)
    }
}
