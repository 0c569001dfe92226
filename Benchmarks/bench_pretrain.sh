#!/usr/bin/env bash
# One CE+DCM pretraining step (D step + F step), batch 8, 256x384, VGG16-BN and ResNet-50:
# SonoTag against the same step in PyTorch (Benchmarks/pretrain_step_torch.py), same thread
# count, one run each. Prints both times per step, the ratio and both peak RSS.
# Usage: bash Benchmarks/bench_pretrain.sh [path/to/sonotag]   (THREADS, STEPS, BATCH override)
set -euo pipefail
bin="${1:-.build/release/sonotag}"
threads="${THREADS:-$(nproc)}"
steps="${STEPS:-3}"
batch="${BATCH:-8}"
python="${PYTHON:-/usr/bin/python3}"
here="$(cd "$(dirname "$0")" && pwd)"
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
if ! "$python" -c "import torch, torchvision" 2>/dev/null; then
  echo "bench_pretrain: $python lacks torch/torchvision; skipping"; exit 0
fi
for backbone in vgg16bn resnet50; do
  swift_line=$("$bin" pretrain --bench-steps "$steps" --backbone "$backbone" --batch-size "$batch" \
                 --size 256x384 --threads "$threads" --out /dev/null)
  torch_line=$(OMP_NUM_THREADS="$threads" "$python" "$here/pretrain_step_torch.py" --backbone "$backbone" \
                 --batch "$batch" --size 256 384 --threads "$threads" --steps "$steps" --warmup 1)
  s_ms=$(echo "$swift_line" | field ms_per_step); t_ms=$(echo "$torch_line" | field ms_per_step)
  s_rss=$(echo "$swift_line" | field peak_rss_mb); t_rss=$(echo "$torch_line" | field peak_rss_mb)
  ratio=$(awk -v a="$s_ms" -v b="$t_ms" 'BEGIN { printf "%.3f", a / b }')
  printf 'pretrain step %-8s batch %d 256x384 threads %d: sonotag %8.1f ms (peak RSS %5.0f MB) | pytorch %8.1f ms (peak RSS %5.0f MB) | ratio %s\n' \
    "$backbone" "$batch" "$threads" "$s_ms" "$s_rss" "$t_ms" "$t_rss" "$ratio"
done
