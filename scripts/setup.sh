#!/usr/bin/env bash
# Installs the Debian packages SonoTag builds and tests against. Idempotent: when everything is
# present it only runs dpkg queries and returns in well under a second.
set -euo pipefail

packages=(
  pkg-config
  libtorch-dev            # the alternative tensor engine (LIBTORCH=debian: libtorch 1.13, CPU, oneDNN)
  libopenblas0-pthread    # its BLAS: without it Debian's libtorch falls back to reference netlib BLAS
  libturbojpeg0-dev       # JPEG baseline / extended
  libopenjp2-7-dev        # JPEG 2000, HTJ2K
  libcharls-dev           # JPEG-LS
  libsqlite3-dev          # cohort manifest (GRDB)
  libpng-dev zlib1g-dev   # PNG output, deflated DICOM
  dcmtk dicom3tools       # reference tools used by tests (dcmdump, dciodvfy)
  python3-torch python3-torchvision  # numerical parity tests and benchmarks
  python3-pip python3-venv           # fetch the default engine (scripts/setup_torch.sh) and make bench's PyTorch
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The default tensor engine: the pinned pip torch's libtorch, linked into the checkout as .torch.
# SONOTAG_ENGINE=debian skips it (then builds use Debian's libtorch-dev, as LIBTORCH=debian does).
[ "${SONOTAG_ENGINE:-pip}" = debian ] || bash "$(dirname "$0")/setup_torch.sh"
command -v swift >/dev/null || { echo "setup: swift not found on PATH (install Swift 6 from swift.org)" >&2; exit 1; }
