#!/usr/bin/env bash
# End to end: one CE+DCM pretraining epoch from the manifest (decode or cache, augmentation,
# loader, both updates, validation, checkpoints) on a 24-patient phantom cohort, SonoTag (cold
# cache and prepared cache) against an idiomatic PyTorch + pydicom script (Dataset + DataLoader
# with workers, the step benchmark's networks); then the U-Net fine-tuning step (ResNet-18 and
# VGG16-BN) against PyTorch. Interleaved rounds, medians of per-round ratios, peak RSS of both
# sides (workers included). Adds its keys to bench-results.json.
# Usage: bash Benchmarks/bench_epoch.sh [path/to/sonotag]
#   env: THREADS, REPS (3), WORKERS (PyTorch DataLoader workers, comma-separated; 2),
#        FT_CONFIGS (resnet18-b8-64x96,vgg16bn-b8-64x96; '' skips), FT_IMAGES (64),
#        SKIP_EPOCH=1, BENCH_WORK (keep the cohort there and reuse it; default a temporary folder)
set -euo pipefail
bin="${1:-.build/release/sonotag}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
[ -x "$bin" ] || { echo "bench_epoch: $bin not built (make build)"; exit 1; }
site=$(bash "$root/scripts/setup_torch.sh" --reference)
# pydicom, numpy and Pillow from the tests' pinned reference venv (scripts/reference/dicom_corpus.sh,
# run by make setup); nothing is installed into the system Python.
venv="${PYDICOM_VENV:-$root/.build/venv-ref}"
pydicom_site=$(ls -d "$venv"/lib/python3*/site-packages 2>/dev/null | head -1)
[ -n "$pydicom_site" ] && [ -d "$pydicom_site/pydicom" ] || {
  echo "bench_epoch: no pydicom in $venv (run make setup, or set PYDICOM_VENV)"; exit 1; }
work="${BENCH_WORK:-}"
if [ -z "$work" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
args=(--bin "$bin" --python /usr/bin/python3 --pythonpath "$site:$pydicom_site" --work "$work"
      --json "${BENCH_JSON:-bench-results.json}" --reps "${REPS:-3}" --workers "${WORKERS:-2}"
      --ft-configs "${FT_CONFIGS-resnet18-b8-64x96,vgg16bn-b8-64x96}" --ft-images "${FT_IMAGES:-64}")
[ -n "${THREADS:-}" ] && args+=(--threads "$THREADS")
[ -n "${SKIP_EPOCH:-}" ] && args+=(--skip-epoch)
/usr/bin/python3 "$here/bench_epoch.py" "${args[@]}"
