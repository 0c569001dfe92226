#!/usr/bin/env bash
# Loader throughput at 256×384 with augmentation (flip, shifts, intensity jitter), from the
# memory-mapped cache, against the images/s one training step consumes (VGG16-BN encoder
# forward+backward in PyTorch on this machine: a floor on the real step). Goal: loader ≥ 2×.
set -euo pipefail
bin="${1:-.build/release/sonotag}"
n="${BENCH_LOADER_FILES:-600}"
here="$(cd "$(dirname "$0")" && pwd)"
work="${BENCH_WORK:-${TMPDIR:-/tmp}/sonotag-bench-loader}"
python="${PYTHON:-python3}"
torchpython="${TORCH_PYTHON:-/usr/bin/python3}"
if ! "$python" -c "import pydicom, numpy" 2>/dev/null; then
  echo "bench_loader: skipped (needs pydicom and numpy to write the cohort: pip install pydicom numpy)"
  exit 0
fi
mkdir -p "$work"
corpus="$work/corpus-$n"
if [ ! -f "$corpus/.complete" ]; then
  rm -rf "$corpus"
  "$python" "$here/make_us_corpus.py" "$corpus" "$n" --rows 480 --cols 640 >/dev/null
  touch "$corpus/.complete"
fi
db="$work/cohort.sqlite"
rm -rf "$db"* "$work/cohort.cache"
CI=true "$bin" index "$corpus" --db "$db" --key "$work/patient-id.key" --plain >/dev/null
"$bin" split --db "$db" --val 0.2 --seed 1 >/dev/null
"$bin" cache --db "$db" --split train >"$work/cache-build.log"
grep '^cache ' "$work/cache-build.log"
out=$("$bin" cache --db "$db" --split train --benchmark-batches "${BENCH_LOADER_BATCHES:-60}" --batch-size 32 --jitter 0.1)
echo "$out" | grep '^loader:'
loader_rate=$(echo "$out" | sed -n 's/^loader:.*: \([0-9.]*\) images\/s.*/\1/p')
if "$torchpython" -c "import torch, torchvision" 2>/dev/null; then
  step_rate=$("$torchpython" "$here/torch_step_rate.py" 8 2)
  "$python" - "$loader_rate" "$step_rate" <<'PY'
import sys
loader, step = map(float, sys.argv[1:])
print(f"  loader        : {loader:9.0f} images/s")
print(f"  training step : {step:9.1f} images/s (PyTorch VGG16-BN encoder fwd+bwd, batch 8)")
print(f"  ratio         : {loader / step:9.1f}x  (goal >= 2x)")
PY
else
  echo "  (no PyTorch at $torchpython: training-step reference skipped)"
fi
