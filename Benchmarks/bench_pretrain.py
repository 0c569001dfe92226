#!/usr/bin/env python3
"""One CE+DCM pretraining step (D step + F step): SonoTag against pip PyTorch, same run.

For each configuration the contenders run interleaved, REPS rounds, each round a fresh process
per contender (1 warm-up step, then STEPS timed steps on a fixed random batch), and the medians
are reported with each side's peak RSS:

  pytorch       Benchmarks/pretrain_step_torch.py under the reference PyTorch (same wheel as
                SonoTag's default engine, driven from Python: what a user would run)
  sonotag       `sonotag pretrain --bench-steps`, every shortcut on (the product)
  sonotag -X    the same with shortcut X switched off, one row per shortcut: what each saves
  sonotag -all  every shortcut off, NCHW: the idiomatic step, engine against engine
  sonotag -channels-last    NCHW storage (`--no-channels-last`), the idiomatic layout
  sonotag +hugepages        THP_MEM_ALLOC_ENABLE=1: libtorch's tensors of 2 MB and more on
                            transparent huge pages (a switch SonoTag leaves to the user)
  debian        SonoTag built against Debian's libtorch 1.13 (when --debian-bin is given)

Standard library only. Writes the results as JSON (--json). Times are never asserted on.
"""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time

from bench_results import merge_into

SHORTCUTS = ["fold-gray", "frozen-d", "fused-adam", "inplace"]
CONFIGS = {
    "resnet50-b8-256x384": ("resnet50", 8, 256, 384),
    "resnet18-b16-64x96": ("resnet18", 16, 64, 96),
    "vgg16bn-b8-256x384": ("vgg16bn", 8, 256, 384),
}


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)


def run(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    lines = [l for l in out.stdout.splitlines() if "ms_per_step=" in l]
    if not lines:
        raise SystemExit(f"bench_pretrain: no result line from {' '.join(cmd)}:\n{out.stdout}\n{out.stderr}")
    f = fields(lines[-1])
    return float(f["ms_per_step"]), float(f["peak_rss_mb"])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default=".build/release/sonotag-train", help="sonotag-train (or sonotag) to time")
    p.add_argument("--debian-bin", help="a sonotag-train built with LIBTORCH=debian, for the engine row")
    p.add_argument("--python", default=sys.executable, help="Python with the reference PyTorch")
    p.add_argument("--pythonpath", default="", help="PYTHONPATH for the reference (setup_torch.sh --reference)")
    p.add_argument("--configs", default="resnet50-b8-256x384,resnet18-b16-64x96")
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--shortcuts", default="each", choices=["each", "none"], help="also time each shortcut off")
    p.add_argument("--rows", default="", help="only these rows, comma-separated (pytorch is always kept)")
    p.add_argument("--json", default="bench-results.json")
    a = p.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    env = {k: v for k, v in os.environ.items() if k != "THP_MEM_ALLOC_ENABLE"}
    env = dict(env, OMP_NUM_THREADS=str(a.threads))
    ref_env = dict(env, PYTHONPATH=a.pythonpath) if a.pythonpath else env
    torch_version = subprocess.run([a.python, "-c", "import torch; print(torch.__version__)"], env=ref_env,
                                   capture_output=True, text=True, check=True).stdout.strip()
    results = {"machine": {"cores_available": len(os.sched_getaffinity(0)), "cpu": platform.processor() or platform.machine(),
                           "load_average_at_start": os.getloadavg()},
               "threads": a.threads, "steps": a.steps, "reps": a.reps, "reference": f"pip PyTorch {torch_version}",
               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "configs": {}}
    for name in a.configs.split(","):
        if name not in CONFIGS:
            raise SystemExit(f"bench_pretrain: unknown config '{name}' (use {', '.join(CONFIGS)})")
        backbone, batch, h, w = CONFIGS[name]
        sonotag = [a.bin, "pretrain", "--bench-steps", str(a.steps), "--backbone", backbone, "--batch-size", str(batch),
                   "--size", f"{h}x{w}", "--threads", str(a.threads), "--out", "/dev/null"]
        rows = {"pytorch": [a.python, os.path.join(here, "pretrain_step_torch.py"), "--backbone", backbone,
                            "--batch", str(batch), "--size", str(h), str(w), "--threads", str(a.threads),
                            "--steps", str(a.steps), "--warmup", "1"],
                "sonotag": sonotag}
        if a.shortcuts == "each":
            for s in SHORTCUTS:
                rows[f"sonotag -{s}"] = sonotag + ["--bench-without", s]
            rows["sonotag -all"] = sonotag + ["--bench-without", "all", "--no-channels-last"]
            rows["sonotag -channels-last"] = sonotag + ["--no-channels-last"]
            rows["sonotag +hugepages"] = sonotag
            rows["sonotag -channels-last +hugepages"] = sonotag + ["--no-channels-last"]
        if a.debian_bin:
            rows["debian"] = [a.debian_bin] + sonotag[1:]
        if a.rows:
            wanted = {"pytorch"} | {r.strip() for r in a.rows.split(",")}
            unknown = wanted - set(rows)
            if unknown:
                raise SystemExit(f"bench_pretrain: unknown rows {sorted(unknown)} (use {', '.join(rows)})")
            rows = {k: v for k, v in rows.items() if k in wanted}
        times = {k: [] for k in rows}
        rss = {k: [] for k in rows}
        # c10 reads the variable once, at its first allocation; unset is off.
        envs = {k: ref_env if k == "pytorch" else env for k in rows}
        for k in rows:
            if k.endswith("+hugepages"):
                envs[k] = dict(env, THP_MEM_ALLOC_ENABLE="1")
        for _ in range(a.reps):  # interleaved: background load hits every contender alike
            for k, cmd in rows.items():
                ms, mb = run(cmd, envs[k])
                times[k].append(ms)
                rss[k].append(mb)
        out = {}
        print(f"== {name}: one CE+DCM step (D + F), {a.threads} threads, median of {a.reps} (each {a.steps} steps); "
              f"ratio = median over rounds of (row / pytorch in the same round), range in brackets")
        for k in rows:
            med = statistics.median(times[k])
            # Paired within a round: a slow spell of the machine hits both sides of one ratio.
            ratios = [t / p for t, p in zip(times[k], times["pytorch"])]
            ratio = statistics.median(ratios)
            out[k] = {"ms_per_step": round(med, 1), "ratio_to_pytorch": round(ratio, 3),
                      "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
                      "peak_rss_mb": round(max(rss[k])), "samples_ms": [round(t, 1) for t in times[k]]}
            print(f"  {k:<24} {med:9.1f} ms  ratio {ratio:6.3f} [{min(ratios):.3f}-{max(ratios):.3f}]  peak RSS {max(rss[k]):6.0f} MB")
        results["configs"][name] = out
    # Keys other benchmarks wrote into the same file (bench_epoch.py's) are kept.
    merge_into(a.json, results)
    print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
