// swift-tools-version:5.10
// SonoTag: DICOM-metadata-supervised pretraining of ultrasound encoders.
import Foundation
import PackageDescription

// Which libtorch (README "Engines"):
//   LIBTORCH unset       the default: the pinned pip torch `make setup` installs and links as .torch,
//                        or Debian's libtorch-dev when that was not installed
//   LIBTORCH=debian      Debian's libtorch-dev 1.13
//   LIBTORCH=/path/torch a pip torch's package folder, or an unpacked libtorch zip
let pinnedTorch = "\(Context.packageDirectory)/.torch/site-packages/torch"
let libtorchRoot: String? = {
    switch ProcessInfo.processInfo.environment["LIBTORCH"] {
    case "debian", "system": return nil
    case let path? where !path.isEmpty: return path
    default:
        return FileManager.default.fileExists(atPath: "\(pinnedTorch)/lib/libtorch_cpu.so")
            ? URL(fileURLWithPath: pinnedTorch).resolvingSymlinksInPath().path : nil
    }
}()
let torchIncludes: [String] =
    libtorchRoot.map { ["\($0)/include", "\($0)/include/torch/csrc/api/include"] }
    // /usr/include is already on the default search path; passing it as -isystem would break
    // libstdc++'s #include_next <stdlib.h>.
    ?? ["/usr/include/torch/csrc/api/include"]
// Debian's 1.13 headers are C++17; recent torch 2.x headers require C++20 (checked against a pip wheel).
let torchCxxStandard = libtorchRoot == nil ? "-std=c++17" : "-std=c++20"
let torchLibDir: String =
    libtorchRoot.map { "\($0)/lib" }
    ?? (["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"].first {
        FileManager.default.fileExists(atPath: "\($0)/libtorch_cpu.so")
    }
        ?? "/usr/lib/x86_64-linux-gnu")
// A pip torch's CUDA libraries need the nvidia-* wheels beside it (site-packages/nvidia); a
// CPU-only install of the wheel leaves them out, and then only the CPU libraries are linked.
let torchCUDA: Bool =
    libtorchRoot.map { root in
        let fm = FileManager.default
        guard fm.fileExists(atPath: "\(root)/lib/libtorch_cuda.so") else { return false }
        let parent = URL(fileURLWithPath: root).deletingLastPathComponent()
        return parent.lastPathComponent != "site-packages" || fm.fileExists(atPath: parent.appendingPathComponent("nvidia/cudnn").path)
    } ?? false
// NCCL groups (c10d's ProcessGroupNCCL, in libtorch_cuda) for CUDA ranks: its header needs the
// CUDA runtime's and NCCL's headers, which the nvidia-* wheels beside a CUDA pip torch carry.
let ncclIncludes: [String] =
    torchCUDA
    ? libtorchRoot.map { root -> [String] in
        let site = URL(fileURLWithPath: root).deletingLastPathComponent().path
        let nvidia = "\(site)/nvidia"
        let fm = FileManager.default
        // The runtime wheel lacks crt/: triton's copy of the CUDA headers, or a toolkit's, has it.
        let candidates =
            ((try? fm.contentsOfDirectory(atPath: nvidia))?.sorted().map { "\(nvidia)/\($0)/include" } ?? [])
            + ["\(site)/triton/backends/nvidia/include", "/usr/local/cuda/include"]
        let found = candidates.filter { fm.fileExists(atPath: $0) }
        let has = { (header: String) in found.contains { fm.fileExists(atPath: "\($0)/\(header)") } }
        return has("nccl.h") && has("cuda_runtime_api.h") && has("crt/host_config.h") ? found : []
    } ?? []
    : []
let ncclFlags: [String] =
    ncclIncludes.isEmpty ? [] : ["-DSONOTAG_WITH_NCCL=1", "-DUSE_C10D_NCCL=1"] + ncclIncludes.flatMap { ["-isystem", $0] }
// Linked by full path, not -l: the system's -L/usr/lib/x86_64-linux-gnu comes first on the link
// line (codec libraries), so -ltorch would pick Debian's 1.13 even with LIBTORCH set. The rpath
// makes the loader find the same files.
let torchLibraries =
    ["libtorch_cpu.so", "libc10.so"]
    + (libtorchRoot == nil || torchCUDA ? ["libtorch.so"] : [])
    + (torchCUDA ? ["libtorch_cuda.so", "libc10_cuda.so"] : [])
let torchLinkFlags: [String] =
    ["-Xlinker", "-rpath", "-Xlinker", torchLibDir, "-Xlinker", "--no-as-needed"]
    + torchLibraries.flatMap { ["-Xlinker", "\(torchLibDir)/\($0)"] }
    + ["-Xlinker", "--as-needed"]

let package = Package(
    name: "SonoTag",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sonotag", targets: ["sonotag"]),
        .executable(name: "sonotag-train", targets: ["sonotag-train"]),
        .library(name: "Torch", targets: ["Torch", "TorchNN"]),
        .library(name: "DICOM", targets: ["DICOM"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0")
    ],
    targets: [
        // The only C++: an extern "C" shim over ATen and autograd.
        .target(
            name: "CTorch",
            path: "shim",
            // ctorch_dist.cpp: c10d data parallel and autocast, kept apart from the op surface.
            sources: ["ctorch.cpp", "ctorch_dist.cpp"],
            publicHeadersPath: "include",
            // compat/: the Gloo declarations c10d's header needs, which no libtorch package ships.
            cxxSettings: [
                .headerSearchPath("compat"),
                .unsafeFlags(
                    [torchCxxStandard, "-O2", "-fPIC", "-w"] + torchIncludes.flatMap { ["-isystem", $0] } + ncclFlags)
            ],
            linkerSettings: [.unsafeFlags(torchLinkFlags)]
        ),
        // Small Torch-free pieces every layer shares: CSV tables, atomic writes, NPY files, JSON and
        // HTML text escaping, progress output. Depends on nothing, so any target may use it.
        .target(name: "SonoSupport"),
        .target(name: "Torch", dependencies: ["CTorch", "SonoSupport"]),
        .target(name: "TorchNN", dependencies: ["Torch"]),

        // Codec libraries from Debian.
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg"),
        .systemLibrary(name: "COpenJPEG", pkgConfig: "libopenjp2"),
        .systemLibrary(name: "CCharLS", pkgConfig: "charls"),
        .systemLibrary(name: "CJPEGXL", pkgConfig: "libjxl"),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib"),

        .target(name: "DICOMCodecs", dependencies: ["CTurboJPEG", "COpenJPEG", "CCharLS", "CJPEGXL"]),
        // Exclusivity is checked at compile time only: the run-time checks on the parse cursor's
        // properties (a class, used by one thread) took 43% of a header-only scan's time.
        .target(
            name: "DICOM", dependencies: ["DICOMCodecs", "CZlib", "SonoSupport"],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "Imaging", dependencies: ["CPNG", "CTurboJPEG", "SonoSupport"]),
        .target(name: "SonoParallel"),
        .target(name: "SeededRandom"),
        .target(name: "SonoPhantom", dependencies: ["DICOM", "DICOMCodecs", "Imaging", "SonoParallel", "SeededRandom", "SonoSupport"]),
        .target(
            name: "SonoData",
            dependencies: [
                // SonoEval: the ordinal label encoding of downstream classification targets.
                "DICOM", "Imaging", "SonoParallel", "SeededRandom", "SonoSupport", "SonoEval",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto")
            ]),
        .target(name: "SonoModels", dependencies: ["Torch", "TorchNN", "SonoSupport"]),
        .target(name: "SonoEval", dependencies: ["Imaging", "SeededRandom", "SonoSupport"]),
        .target(
            name: "SonoTrain",
            dependencies: [
                "SonoModels", "SonoData", "SonoEval", "Imaging", "SeededRandom", "SonoParallel", "SonoSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto")
            ]),
        // The git commit `--version` prints: scripts/build_stamp.sh writes an untracked header here.
        .target(name: "CBuildInfo"),
        // glibc's mallopt for both executables (AllocatorTuning).
        .target(name: "CAllocator"),
        .target(name: "SonoTagCommands", dependencies: ["CBuildInfo", "CAllocator"]),
        // `sonotag` never links libtorch: its crawl, label, DICOM and phantom commands start in
        // milliseconds, and it hands training commands to `sonotag-train` with exec.
        .executableTarget(
            name: "sonotag",
            dependencies: [
                "DICOM", "Imaging", "SonoPhantom", "SonoData", "SonoTagCommands", "SonoSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]),
        .executableTarget(
            name: "sonotag-train",
            dependencies: [
                "SonoModels", "SonoTrain", "SonoData", "SonoTagCommands", "SeededRandom", "SonoSupport", "Torch", "TorchNN",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]),

        // Benchmark driver for Benchmarks/bench_torch.sh (never run by tests).
        .executableTarget(name: "torch-bench", dependencies: ["Torch", "TorchNN", "SonoSupport"], path: "Benchmarks/TorchBench"),

        // What every test target shares: temporary folders, the process runner, the fixture and
        // reference-tool locators (with the CI rule: missing means failure there), the tolerance assert.
        .target(
            name: "TestSupport", dependencies: ["SeededRandom", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/TestSupport"),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        .testTarget(name: "SonoSupportTests", dependencies: ["SonoSupport", "TestSupport"]),
        .testTarget(name: "TorchTests", dependencies: ["Torch", "TestSupport"]),
        .testTarget(name: "TorchNNTests", dependencies: ["Torch", "TorchNN", "TestSupport"]),
        .testTarget(
            name: "DICOMCodecsTests", dependencies: ["DICOMCodecs", "SeededRandom", "TestSupport"],
            exclude: ["make_htj2k_vectors.py", "Regression"]),
        .testTarget(name: "DICOMTests", dependencies: ["DICOM", "DICOMCodecs", "SeededRandom", "SonoSupport", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
        .testTarget(name: "SonoPhantomTests", dependencies: ["SonoPhantom", "SeededRandom", "DICOM", "Imaging", "TestSupport"]),
        .testTarget(
            name: "SonoDataTests",
            dependencies: ["SonoData", "SonoPhantom", "DICOM", "DICOMCodecs", "Imaging", "SeededRandom", "SonoSupport", "TestSupport"]),
        .testTarget(name: "SonoModelsTests", dependencies: ["SonoModels", "Torch", "TorchNN", "SonoSupport", "TestSupport"]),
        .testTarget(name: "SonoEvalTests", dependencies: ["SonoEval", "SeededRandom", "SonoSupport", "TestSupport"]),
        .testTarget(name: "SonoTagCommandsTests", dependencies: ["SonoTagCommands", "TestSupport"]),
        // The pretraining fixtures (tiny configuration, synthetic source) of the CPU and GPU tests.
        .target(name: "SonoTrainTestSupport", dependencies: ["SonoTrain", "SeededRandom", "Torch"], path: "Tests/SonoTrainTestSupport"),
        .testTarget(
            name: "SonoTrainTests",
            dependencies: [
                "SonoTrain", "SonoTrainTestSupport", "SonoPhantom", "SonoData", "SonoModels", "SeededRandom", "SonoParallel", "SonoSupport",
                "TestSupport"
            ]),
        // Needs a GPU: `make test` runs it only where nvidia-smi sees one, `make test-cuda` always.
        .testTarget(name: "SonoCUDATests", dependencies: ["SonoTrain", "SonoTrainTestSupport", "Torch", "TorchNN", "TestSupport"])
    ],
    // CTorch is the only C++ target; SwiftPM places this flag after unsafeFlags, so it must follow LIBTORCH too.
    cxxLanguageStandard: libtorchRoot == nil ? .cxx17 : .cxx20
)
