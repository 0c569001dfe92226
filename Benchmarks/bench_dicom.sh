#!/usr/bin/env bash
# DICOM benchmarks, SonoTag against pydicom in one Python process:
#  1. header-only scan of >= 2,000 files generated from the fixtures (files/s of the median of
#     BENCH_REPEAT passes after a warm-up pass; goal >= 20x),
#  2. decode -> grayscale -> resize to 256x384 float32 (the cache builder's FramePipeline: area when shrinking,
#     else bilinear; PIL's BOX / BILINEAR on the pydicom side), frame by frame (frames/s; goal >= 5x) for a
#     JPEG-baseline YBR_FULL_422 multi-frame file and a native RGB file. Both sides open the file
#     every pass and decode every frame; each runs one untimed warm-up pass first.
# Usage: bash Benchmarks/bench_dicom.sh [path/to/sonotag]   (pip-installs pydicom, pylibjpeg, Pillow if missing)
set -euo pipefail
bin="${1:-.build/release/sonotag}"
here="$(cd "$(dirname "$0")" && pwd)"
# The tests' pinned pydicom venv (make setup) when there is one, so the system Python stays as it is.
default_py=python3
[ -x .build/venv-ref/bin/python ] && default_py=.build/venv-ref/bin/python
py="${PYTHON:-$default_py}"
fixtures=""
for d in "${BENCH_FIXTURES:-}" .build/reference/dicom/files; do [ -n "$d" ] && [ -d "$d" ] && fixtures="$d" && break; done
[ -n "$fixtures" ] || { echo "bench_dicom: fixtures not found (.build/reference/dicom/files: run make setup, or set BENCH_FIXTURES)"; exit 1; }
[ -x "$bin" ] || { echo "bench_dicom: $bin not built (make build)"; exit 1; }
if ! "$py" -c "import pydicom, numpy, PIL, pylibjpeg, libjpeg" 2>/dev/null; then
  "$py" -m pip install --quiet pydicom numpy pillow pylibjpeg pylibjpeg-libjpeg
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
files="${BENCH_FILES:-2028}"
"$py" "$here/bench_dicom.py" make-scan-dir "$fixtures" "$work/scan" "$files"

# Warm the page cache once so both tools read from memory.
cat "$work"/scan/* > /dev/null
repeat="${BENCH_REPEAT:-5}"
ours="$("$bin" dicom bench header "$work/scan" --repeat "$repeat")"
theirs="$("$py" "$here/bench_dicom.py" header "$work/scan" "$repeat")"
echo "$ours"; echo "$theirs"
"$py" "$here/bench_dicom.py" ratio "$ours" "$theirs" "header-only scan, $files files" header

for f in examples_ybr_color.dcm examples_rgb_color.dcm; do
  # The RGB file has one frame: more passes so the timing is not a few milliseconds of noise.
  r="$repeat"; [ "$f" = examples_rgb_color.dcm ] && r=$((repeat * 10))
  ours="$("$bin" dicom bench decode "$fixtures/$f" --repeat "$r" --size 256x384)"
  theirs="$("$py" "$here/bench_dicom.py" decode "$fixtures/$f" "$r" 256x384)"
  echo "$ours"; echo "$theirs"
  "$py" "$here/bench_dicom.py" ratio "$ours" "$theirs" "decode->grayscale->resize $f" "decode_${f%.dcm}"
done
