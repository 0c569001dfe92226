#!/usr/bin/env bash
# Index throughput: `sonotag index` (header-only, all cores) against a pydicom script that
# extracts the same fields into SQLite (Benchmarks/pydicom_index.py, one process), on the same
# ≥ 5,000 files, page cache warm for both. Goal: ≥ 10×.
set -euo pipefail
bin="${1:-.build/release/sonotag}"
n="${BENCH_INDEX_FILES:-5000}"
here="$(cd "$(dirname "$0")" && pwd)"
work="${BENCH_WORK:-${TMPDIR:-/tmp}/sonotag-bench-index}"
python="${PYTHON:-python3}"
if ! "$python" -c "import pydicom, numpy" 2>/dev/null; then
  echo "bench_index: skipped (needs pydicom and numpy: pip install pydicom numpy)"
  exit 0
fi
mkdir -p "$work"
corpus="$work/corpus-$n"
if [ ! -f "$corpus/.complete" ]; then
  rm -rf "$corpus"
  echo "bench_index: writing $n ultrasound files to $corpus"
  "$python" "$here/make_us_corpus.py" "$corpus" "$n" --rows 480 --cols 640 >/dev/null
  touch "$corpus/.complete"
fi
cat $(find "$corpus" -name '*.dcm' | head -n 100000) >/dev/null  # warm the page cache for both

now() { date +%s.%N; }
rm -f "$work/sonotag.sqlite"*
t0=$(now)
CI=true "$bin" index "$corpus" --db "$work/sonotag.sqlite" --plain >"$work/sonotag.log"
t1=$(now)
rm -f "$work/pydicom.sqlite"*
"$python" "$here/pydicom_index.py" "$corpus" "$work/pydicom.sqlite" >"$work/pydicom.log"
t2=$(now)
files=$(find "$corpus" -name '*.dcm' | wc -l)
"$python" - "$t0" "$t1" "$t2" "$files" "$(nproc)" <<'PY'
import sys
t0, t1, t2, files, cores = map(float, sys.argv[1:])
s, p = t1 - t0, t2 - t1
print(f"index: {int(files)} files, {int(cores)} cores")
print(f"  sonotag index : {s:7.2f} s  {files / s:9.0f} files/s")
print(f"  pydicom script: {p:7.2f} s  {files / p:9.0f} files/s")
print(f"  ratio         : {p / s:7.1f}x  (goal >= 10x)")
PY
