#!/usr/bin/env bash
# VGG-style conv stack, forward+backward, batch 8 of 1×256×384: SonoTag's Torch vs PyTorch, same
# thread count, same input size, alternating runs. Prints both times, the ratio and both peak RSS.
# Usage: bash Benchmarks/bench_torch.sh [sonotag-binary]   (env: THREADS, ITERATIONS, PYTHON, CONFIG)
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${THREADS:-$(nproc)}"
iterations="${ITERATIONS:-5}"
python="${PYTHON:-/usr/bin/python3}"
config="${CONFIG:-release}"
# The reference is pip PyTorch 2.15 (the default engine's wheel), not Debian's 1.13.
export PYTHONPATH="$(bash scripts/setup_torch.sh --reference)${PYTHONPATH:+:$PYTHONPATH}"

swift build -c "$config" --product torch-bench >/dev/null
bench="$(swift build -c "$config" --show-bin-path)/torch-bench"
args=(--threads "$threads" --iterations "$iterations" --warmup 2 --batch 8)

if ! "$python" -c "import torch" 2>/dev/null; then
  echo "bench_torch: $python has no torch; showing SonoTag only"
  "$bench" "${args[@]}"
  exit 0
fi

# Two alternating rounds; each side keeps its best median, so background load hurts both alike.
best() { awk -v key="$1" '{for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) print kv[2] }}'; }
ours=(); theirs=()
for round in 1 2; do
  ours+=("$("$bench" "${args[@]}")")
  theirs+=("$("$python" Benchmarks/bench_torch.py "${args[@]}")")
done
printf '%s\n' "${ours[@]}" "${theirs[@]}"
swift_ms=$(printf '%s\n' "${ours[@]}" | best median_ms | sort -n | head -1)
torch_ms=$(printf '%s\n' "${theirs[@]}" | best median_ms | sort -n | head -1)
swift_rss=$(printf '%s\n' "${ours[@]}" | best peak_rss_kb | sort -n | head -1)
torch_rss=$(printf '%s\n' "${theirs[@]}" | best peak_rss_kb | sort -n | head -1)
awk -v s="$swift_ms" -v t="$torch_ms" -v sr="$swift_rss" -v tr="$torch_rss" -v n="$threads" 'BEGIN {
  printf "VGG-style stack fwd+bwd, batch 8, 1x256x384, %d threads\n", n
  printf "  SonoTag  %8.1f ms   peak RSS %7.0f MB\n", s, sr / 1024
  printf "  PyTorch  %8.1f ms   peak RSS %7.0f MB\n", t, tr / 1024
  printf "  ratio SonoTag/PyTorch = %.3f (goal <= 1.05); RSS ratio = %.3f\n", s / t, sr / tr
}'
