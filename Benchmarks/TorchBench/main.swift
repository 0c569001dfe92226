// Forward+backward timing of the VGG-style stack from issue 2 through SonoTag's Torch API.
// Benchmarks/bench_torch.sh runs this next to bench_torch.py (the same network in PyTorch).
import Foundation
import SonoSupport
import Torch
import TorchNN

struct Options {
    var threads = 1
    var warmup = 2
    var iterations = 5
    var batch = 8

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard let text = rest.popFirst(), let value = Int(text), value > 0 else {
                throw TorchError(operation: "torch-bench", message: "\(flag) needs a positive integer")
            }
            switch flag {
            case "--threads": threads = value
            case "--warmup": warmup = value
            case "--iterations": iterations = value
            case "--batch": batch = value
            default: throw TorchError(operation: "torch-bench", message: "unknown flag \(flag)")
            }
        }
    }
}

/// conv3×3-BN-ReLU ×2 at 64, pool, ×2 at 128, pool, ×2 at 256 (like VGG's first stages).
func makeNetwork() throws -> Sequential {
    var layers: [any Layer] = []
    var channels = 1
    for (stage, width) in [64, 128, 256].enumerated() {
        if stage > 0 { layers.append(MaxPool2d(kernelSize: 2)) }
        for _ in 0..<2 {
            layers.append(try Conv2d(channels, width, kernelSize: 3, padding: 1))
            layers.append(try BatchNorm2d(width))
            layers.append(ReLU())
            channels = width
        }
    }
    return Sequential(layers)
}

do {
    let options = try Options(CommandLine.arguments)
    try TorchRuntime.setThreadCount(options.threads)
    try TorchRuntime.manualSeed(0)
    let network = try makeNetwork()
    let input = try Tensor.randn([options.batch, 1, 256, 384])
    var times: [Double] = []
    for iteration in 0..<(options.warmup + options.iterations) {
        let start = DispatchTime.now().uptimeNanoseconds
        try network.zeroGrad()
        let loss = try network(input).mean()
        try loss.backward()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        if iteration >= options.warmup { times.append(elapsed) }
    }
    times.sort()
    let median = times[times.count / 2]
    print(
        String(
            format: "impl=sonotag threads=%d median_ms=%.1f min_ms=%.1f peak_rss_kb=%d",
            TorchRuntime.threadCount, median, times[0], Int(peakResidentMegabytes() * 1024)))
} catch {
    FileHandle.standardError.write(Data("torch-bench: \(error)\n".utf8))
    exit(1)
}
