#!/usr/bin/env bash
# Runs every benchmark; each prints SonoTag's time, the reference tool's time and their ratio.
set -euo pipefail
bin="${1:-.build/release/sonotag}"
shopt -s nullglob
for b in Benchmarks/bench_*.sh; do
  echo "== $b"
  bash "$b" "$bin"
done
