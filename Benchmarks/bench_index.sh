#!/usr/bin/env bash
# Index throughput: `sonotag index` (header-only, all cores) against a pydicom script that
# extracts the same fields into SQLite (Benchmarks/pydicom_index.py, one process, as such
# scripts are written), on the same ≥ 5,000 phantom files, page cache warm for both.
# Goal: ≥ 10×. Prints wall and CPU time (on a shared machine CPU time is the steadier number),
# and sonotag's process start-up apart (`sonotag` does not link libtorch; only sonotag-train does).
set -euo pipefail
bin="${1:-.build/release/sonotag}"
n="${BENCH_INDEX_FILES:-5000}"
here="$(cd "$(dirname "$0")" && pwd)"
work="${BENCH_WORK:-${TMPDIR:-/tmp}/sonotag-bench-index}"
python="${PYTHON:-python3}"
if ! "$python" -c "import pydicom" 2>/dev/null; then
  echo "bench_index: skipped (needs pydicom: pip install pydicom)"
  exit 0
fi
mkdir -p "$work"
corpus="$work/corpus-$n"
if [ ! -f "$corpus/.complete" ]; then
  rm -rf "$corpus"
  if "$bin" phantom --help >/dev/null 2>&1; then
    # ~12 files per phantom patient on average; overshoot, the count is reported.
    echo "bench_index: generating a phantom archive of about $n files in $corpus"
    "$bin" phantom --out "$corpus" --patients $(( n / 9 + 1 )) --seed 7 --size 256x384 \
      --images-per-series 4 --downstream-patients 0 >/dev/null
  else
    echo "bench_index: writing $n files with pydicom (no phantom generator in $bin)"
    "$python" "$here/make_us_corpus.py" "$corpus" "$n" --rows 480 --cols 640 >/dev/null
  fi
  touch "$corpus/.complete"
fi
files=$(find "$corpus" -name '*.dcm' | wc -l)
find "$corpus" -name '*.dcm' -print0 | xargs -0 cat >/dev/null  # warm the page cache for both

# Runs "$@" and prints "<wall seconds> <cpu seconds>".
timed() {
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/time" "$@" >"$work/last.log" 2>&1
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" '{ printf "%.3f %.3f\n", e - s, $1 + $2 }' "$work/time"
}

read -r start_wall start_cpu < <(timed "$bin" --help)
rm -f "$work/sonotag.sqlite"*
read -r s_wall s_cpu < <(timed env CI=true "$bin" index "$corpus" --db "$work/sonotag.sqlite" --key "$work/patient-id.key" --plain)
rm -f "$work/pydicom.sqlite"*
read -r p_wall p_cpu < <(timed "$python" "$here/pydicom_index.py" "$corpus" "$work/pydicom.sqlite")
"$python" - "$files" "$(nproc)" "$s_wall" "$s_cpu" "$p_wall" "$p_cpu" "$start_wall" "$start_cpu" <<'PY'
import sys
files, cores, sw, sc, pw, pc, stw, stc = map(float, sys.argv[1:])
print(f"index: {int(files)} DICOM files, {int(cores)} cores, same machine, same run")
print(f"  sonotag index : {sw:7.2f} s wall {sc:7.2f} s CPU  {files / sw:8.0f} files/s")
print(f"  pydicom script: {pw:7.2f} s wall {pc:7.2f} s CPU  {files / pw:8.0f} files/s")
print(f"  ratio         : {pw / sw:7.1f}x wall {pc / sc:7.1f}x CPU   (goal >= 10x)")
crawl_w, crawl_c = max(sw - stw, 1e-3), max(sc - stc, 1e-3)
print(f"  start-up alone (`sonotag --help`): {stw:.2f} s wall {stc:.2f} s CPU;"
      f" without it: {pw / crawl_w:.1f}x wall {pc / crawl_c:.1f}x CPU")
PY
