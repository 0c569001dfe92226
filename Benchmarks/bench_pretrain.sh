#!/usr/bin/env bash
# One CE+DCM pretraining step (D step + F step) at ResNet-50 batch 8 256x384 (the paper's size)
# and ResNet-18 batch 16 64x96 (the CPU demo's): SonoTag against pip PyTorch (the same wheel as
# the default engine, installed once by scripts/setup_torch.sh --reference), interleaved rounds,
# medians, both peak RSS, one row per step shortcut switched off. Writes bench-results.json.
# Usage: bash Benchmarks/bench_pretrain.sh [path/to/sonotag]
#   env: THREADS, STEPS, REPS, CONFIGS (e.g. resnet18-b16-64x96), SHORTCUTS=each|none,
#        DEBIAN_BIN (a sonotag-train built with LIBTORCH=debian: adds the engine row)
set -euo pipefail
bin="${1:-.build/release/sonotag}"
here="$(cd "$(dirname "$0")" && pwd)"
site=$(bash "$here/../scripts/setup_torch.sh" --reference)
args=(--bin "$bin" --python /usr/bin/python3 --pythonpath "$site" --json "${BENCH_JSON:-bench-results.json}"
      --steps "${STEPS:-3}" --reps "${REPS:-3}" --shortcuts "${SHORTCUTS:-each}"
      --configs "${CONFIGS:-resnet50-b8-256x384,resnet18-b16-64x96}")
[ -n "${THREADS:-}" ] && args+=(--threads "$THREADS")
[ -n "${DEBIAN_BIN:-}" ] && args+=(--debian-bin "$DEBIAN_BIN")
/usr/bin/python3 "$here/bench_pretrain.py" "${args[@]}"
