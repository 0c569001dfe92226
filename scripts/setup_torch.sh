#!/usr/bin/env bash
# Installs SonoTag's default tensor engine: the libtorch inside PyPI's torch wheel (pinned below),
# and links it into the checkout as .torch (Package.swift builds against it).
#
#   scripts/setup_torch.sh              the engine (what `make setup` runs)
#   scripts/setup_torch.sh --reference  the same wheel as a complete PyTorch for Python, with
#                                       torchvision: make bench's reference. Prints its site-packages.
#
# The engine is the wheel installed with --no-deps plus the two CUDA runtime wheels its CPU
# library loads (cudart, cupti: a few MB); the whole CUDA stack (cuDNN, cuBLAS, NCCL: ~2.5 GB)
# comes only with an NVIDIA driver present, SONOTAG_TORCH_CUDA=1, or --reference (Python's
# `import torch` loads it even on a CPU). Wheels and the unpacked installs live in a per-user
# cache outside the checkout, so a fresh clone (CI) reuses them: the ~560 MB download and the
# unpacking happen once per machine. Idempotent; returns at once when installed.
#
# Env: SONOTAG_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/sonotag), SONOTAG_TORCH_CUDA=0|1,
#      PYTHON (default /usr/bin/python3, whose pip does the downloads).
set -euo pipefail
cd "$(dirname "$0")/.."

torch_version=2.15.0
torchvision_version=0.29.2  # the newest on PyPI; built for torch 2.14, its models run unchanged on 2.15
cuda_version=13.2.86        # nvidia-cuda-runtime / nvidia-cuda-cupti, as torch 2.15.0 pins them (cuda-toolkit 13.2.2)
python="${PYTHON:-/usr/bin/python3}"
cache="${SONOTAG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sonotag}"
wheels="$cache/wheels"

reference=0
case "${1:-}" in
  "") ;;
  --reference) reference=1 ;;
  *) echo "setup_torch: unknown argument '$1' (use --reference or nothing)" >&2; exit 2 ;;
esac
cuda="${SONOTAG_TORCH_CUDA:-}"
if [ -z "$cuda" ]; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then cuda=1; else cuda=0; fi
fi
[ "$reference" = 1 ] && cuda=1
flavour=$([ "$cuda" = 1 ] && echo cuda || echo cpu)
install="$cache/torch-$torch_version-$flavour"

pip() {
  "$python" -m pip --disable-pip-version-check "$@"
}
# Downloads into the wheel cache (skipped for files already there), then installs from it alone.
install_into() {  # target-dir, pip options and requirements...
  local target="$1"; shift
  pip download --quiet --no-cache-dir --only-binary=:all: -d "$wheels" "$@" >&2
  pip install --quiet --no-index --find-links "$wheels" --no-compile --target "$target" "$@" >&2
}

if [ ! -f "$install/.complete" ]; then
  "$python" -m pip --version >/dev/null 2>&1 || { echo "setup_torch: $python has no pip (install python3-pip)" >&2; exit 1; }
  mkdir -p "$wheels"
  echo "setup_torch: installing torch $torch_version ($flavour) into $install (downloads once into $wheels)" >&2
  rm -rf "$install.partial"
  if [ "$cuda" = 1 ]; then
    install_into "$install.partial/site-packages" "torch==$torch_version"   # its pins bring the CUDA stack
  else
    install_into "$install.partial/site-packages" --no-deps "torch==$torch_version" \
      "nvidia-cuda-runtime==$cuda_version" "nvidia-cuda-cupti==$cuda_version"
  fi
  test -f "$install.partial/site-packages/torch/lib/libtorch_cpu.so" || { echo "setup_torch: no libtorch_cpu.so in the installed wheel" >&2; exit 1; }
  touch "$install.partial/.complete"
  rm -rf "$install"
  mv "$install.partial" "$install"
fi

if [ "$reference" = 1 ]; then
  if [ ! -d "$install/site-packages/torchvision" ]; then
    # --no-deps: torchvision pins torch 2.14; its Python models are all the benchmark uses.
    install_into "$install/site-packages" --no-deps "torchvision==$torchvision_version"
  fi
  echo "$install/site-packages"
  exit 0
fi
[ "$(readlink .torch 2>/dev/null)" = "$install" ] || ln -sfn "$install" .torch
