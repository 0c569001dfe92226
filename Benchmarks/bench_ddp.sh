#!/usr/bin/env bash
# Data-parallel pretraining throughput on this machine: 1 process vs N single-threaded processes
# (c10d Gloo over loopback, --sync-batchnorm), the same global batch and synthetic images. Each
# run trains EPOCHS epochs; the figure is the last epoch's training images/s from metrics.csv.
# Usage: bash Benchmarks/bench_ddp.sh [path/to/sonotag]   (PROCS, BATCH, IMAGES, EPOCHS, BACKBONE, SIZE override)
set -euo pipefail
bin="${1:-.build/release/sonotag}"
procs="${PROCS:-2}"
batch="${BATCH:-8}"
images="${IMAGES:-64}"
epochs="${EPOCHS:-2}"
backbone="${BACKBONE:-resnet18}"
read -r height width <<<"$(echo "${SIZE:-64x96}" | tr 'x' ' ')"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rate() { awk -F, '$1 == "epoch" { r = $9 } END { print r }' "$1/metrics.csv"; }
common=(pretrain --synthetic "$images" --backbone "$backbone" --size "${height}x${width}" --batch-size "$batch"
        --epochs "$epochs" --threads 1 --seed 1)
"$bin" "${common[@]}" --out "$work/one" >/dev/null 2>&1
"$bin" "${common[@]}" --nproc-per-node "$procs" --sync-batchnorm --out "$work/many" >/dev/null 2>&1
one=$(rate "$work/one"); many=$(rate "$work/many")
printf 'pretrain %s %sx%s global batch %d, 1 thread per process: 1 process %.1f img/s | %d processes %.1f img/s | speed-up %.2fx (%d cores)\n' \
  "$backbone" "$height" "$width" "$batch" "$one" "$procs" "$many" "$(awk -v a="$many" -v b="$one" 'BEGIN { print a / b }')" "$(nproc)"
