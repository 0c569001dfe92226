#!/usr/bin/env python3
"""The same VGG-style stack as Benchmarks/TorchBench, forward+backward in PyTorch."""
import argparse
import resource
import time

import torch
import torch.nn as nn


def make_network() -> nn.Sequential:
    layers, channels = [], 1
    for stage, width in enumerate([64, 128, 256]):
        if stage > 0:
            layers.append(nn.MaxPool2d(2))
        for _ in range(2):
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()]
            channels = width
    return nn.Sequential(*layers)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    network = make_network()
    x = torch.randn(args.batch, 1, 256, 384)
    times = []
    for iteration in range(args.warmup + args.iterations):
        start = time.perf_counter()
        network.zero_grad(set_to_none=True)
        loss = network(x).mean()
        loss.backward()
        elapsed = (time.perf_counter() - start) * 1000
        if iteration >= args.warmup:
            times.append(elapsed)
    times.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"impl=pytorch-{torch.__version__} threads={torch.get_num_threads()} median_ms={times[len(times) // 2]:.1f} "
          f"min_ms={times[0]:.1f} peak_rss_kb={peak}")


if __name__ == "__main__":
    main()
