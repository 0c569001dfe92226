#!/usr/bin/env bash
# Phantom generation speed: ~2,000 single-frame 256x384 DICOM images (whole pipeline: simulation,
# burned-in text, JPEG/RLE/native encoding, file writing), then the downstream PNG sets.
# Goal (issue 4): 2,000 images in under a minute on the 2-core development machine.
# Prints wall time and CPU time: on a shared machine the CPU time / cores is the fairer number.
set -euo pipefail
bin="${1:-.build/release/sonotag}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cores=$(nproc 2>/dev/null || echo 2)

# Runs "$@" and prints "<wall seconds> <cpu seconds>".
timed() {
  local start end cpu
  start=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%U %S" -o "$out/time" "$@" > "$out/log"
    cpu=$(awk '{ print $1 + $2 }' "$out/time")
  else
    "$@" > "$out/log"; cpu=nan
  fi
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v c="$cpu" 'BEGIN { printf "%.3f %s\n", e - s, c }'
}

# 170 patients x 1-3 studies x 1-2 series x 4 images, no cine: about 2,000 files.
read -r wall cpu < <(timed "$bin" phantom --out "$out/archive" --patients 170 --seed 1 --size 256x384 \
  --images-per-series 4 --cine-fraction 0 --downstream-patients 0)
files=$(find "$out/archive/dicom" -name '*.dcm' | wc -l)
awk -v n="$files" -v t="$wall" -v c="$cpu" -v k="$cores" 'BEGIN {
  printf "phantom archive: %d single-frame 256x384 DICOM files in %.2f s wall = %.1f images/s; CPU %.2f s = %.1f images/s per core\n", n, t, n / t, c, n / c
  printf "  goal 2000 images < 60 s: projected %.1f s wall here, %.1f s on %d idle cores\n", 2000 * t / n, 2000 * c / n / k, k }'

read -r wall cpu < <(timed "$bin" phantom --out "$out/downstream" --patients 1 --seed 1 --size 256x384 \
  --downstream-patients 40 --downstream-images 5)
pngs=$(find "$out/downstream/downstream" -path '*/images/*.png' | wc -l)
awk -v n="$pngs" -v t="$wall" -v c="$cpu" 'BEGIN {
  printf "phantom downstream: %d 256x384 images with masks in %.2f s wall = %.1f images/s; CPU %.2f s = %.1f images/s per core\n", n, t, n / t, c, n / c }'
