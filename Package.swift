// swift-tools-version:5.10
// SonoTag: DICOM-metadata-supervised pretraining of ultrasound encoders.
import Foundation
import PackageDescription

// libtorch comes from Debian's libtorch-dev by default; LIBTORCH=/path/to/torch (a pip torch's
// package folder, or an unpacked libtorch zip) switches headers and libraries to that install.
let libtorchRoot = ProcessInfo.processInfo.environment["LIBTORCH"]
let torchIncludes: [String] = libtorchRoot.map { ["\($0)/include", "\($0)/include/torch/csrc/api/include"] }
    // /usr/include is already on the default search path; passing it as -isystem would break
    // libstdc++'s #include_next <stdlib.h>.
    ?? ["/usr/include/torch/csrc/api/include"]
// Debian's 1.13 headers are C++17; recent torch 2.x headers require C++20 (checked against a pip wheel).
let torchCxxStandard = libtorchRoot == nil ? "-std=c++17" : "-std=c++20"
let torchLibDirs: [String] = libtorchRoot.map { ["\($0)/lib"] } ?? ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]
let torchLinkFlags: [String] =
    torchLibDirs.flatMap { ["-L\($0)", "-Xlinker", "-rpath", "-Xlinker", $0] }
    + ["-Xlinker", "--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10"]
    + (libtorchRoot.map { FileManager.default.fileExists(atPath: "\($0)/lib/libtorch_cuda.so") ? ["-ltorch_cuda", "-lc10_cuda"] : [] } ?? [])
    + ["-Xlinker", "--as-needed"]

let package = Package(
    name: "SonoTag",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sonotag", targets: ["sonotag"]),
        .executable(name: "sonotag-train", targets: ["sonotag-train"]),
        .library(name: "Torch", targets: ["Torch", "TorchNN"]),
        .library(name: "DICOM", targets: ["DICOM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // The only C++: an extern "C" shim over ATen and autograd.
        .target(
            name: "CTorch",
            path: "shim",
            sources: ["ctorch.cpp"],
            publicHeadersPath: "include",
            cxxSettings: [.unsafeFlags([torchCxxStandard, "-O2", "-fPIC", "-w"] + torchIncludes.flatMap { ["-isystem", $0] })],
            linkerSettings: [.unsafeFlags(torchLinkFlags)]
        ),
        .target(name: "Torch", dependencies: ["CTorch"]),
        .target(name: "TorchNN", dependencies: ["Torch"]),

        // Codec libraries from Debian.
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg"),
        .systemLibrary(name: "COpenJPEG", pkgConfig: "libopenjp2"),
        .systemLibrary(name: "CCharLS", pkgConfig: "charls"),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib"),

        .target(name: "DICOMCodecs", dependencies: ["CTurboJPEG", "COpenJPEG", "CCharLS"]),
        .target(name: "DICOM", dependencies: ["DICOMCodecs", "CZlib"]),
        .target(name: "Imaging", dependencies: ["CPNG", "CTurboJPEG"]),
        .target(name: "SonoParallel"),
        .target(name: "SeededRandom"),
        .target(name: "SonoPhantom", dependencies: ["DICOM", "DICOMCodecs", "Imaging", "SonoParallel", "SeededRandom"]),
        .target(name: "SonoData", dependencies: [
            "DICOM", "Imaging", "SonoParallel", "SeededRandom",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SonoModels", dependencies: ["Torch", "TorchNN"]),
        .target(name: "SonoEval", dependencies: ["Imaging", "SeededRandom"]),
        .target(name: "SonoTrain", dependencies: [
            "SonoModels", "SonoData", "SonoEval", "Imaging", "SeededRandom",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "SonoTagCommands"),
        // `sonotag` never links libtorch: its crawl, label, DICOM and phantom commands start in
        // milliseconds, and it hands training commands to `sonotag-train` with exec.
        .executableTarget(name: "sonotag", dependencies: [
            "DICOM", "Imaging", "SonoPhantom", "SonoData", "SonoEval", "SonoTagCommands",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "sonotag-train", dependencies: [
            "SonoModels", "SonoTrain", "SonoData", "SonoTagCommands", "SeededRandom", "Torch", "TorchNN",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmark driver for Benchmarks/bench_torch.sh (never run by tests).
        .executableTarget(name: "torch-bench", dependencies: ["Torch", "TorchNN"], path: "Benchmarks/TorchBench"),

        .testTarget(name: "TorchTests", dependencies: ["Torch"]),
        .testTarget(name: "TorchNNTests", dependencies: ["Torch", "TorchNN"]),
        .testTarget(name: "DICOMCodecsTests", dependencies: ["DICOMCodecs", "SeededRandom", .product(name: "Crypto", package: "swift-crypto")], exclude: ["make_htj2k_vectors.py", "Regression"]),
        .testTarget(name: "DICOMTests", dependencies: ["DICOM", "DICOMCodecs", "SeededRandom", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "SonoPhantomTests", dependencies: ["SonoPhantom", "SeededRandom", "DICOM", "Imaging"]),
        .testTarget(name: "SonoDataTests", dependencies: ["SonoData", "SonoPhantom", "DICOM"]),
        .testTarget(name: "SonoModelsTests", dependencies: ["SonoModels", "Torch", "TorchNN"]),
        .testTarget(name: "SonoEvalTests", dependencies: ["SonoEval", "SeededRandom"]),
        .testTarget(name: "SonoTagCommandsTests", dependencies: ["SonoTagCommands"]),
        .testTarget(name: "SonoTrainTests", dependencies: ["SonoTrain", "SonoPhantom", "SonoData", "SonoModels", "SeededRandom"]),
    ],
    // CTorch is the only C++ target; SwiftPM places this flag after unsafeFlags, so it must follow LIBTORCH too.
    cxxLanguageStandard: libtorchRoot == nil ? .cxx17 : .cxx20
)
