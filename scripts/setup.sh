#!/usr/bin/env bash
# Installs the Debian packages SonoTag builds and tests against, then the tests' pinned Python
# reference (pydicom and its plugins, in a venv under .build) with the DICOM corpus generated from
# it (scripts/reference/dicom_corpus.sh). Idempotent: when everything is present it only runs dpkg
# queries and hashes three small files, in well under a second.
set -euo pipefail

packages=(
  pkg-config
  libtorch-dev            # the alternative tensor engine (LIBTORCH=debian: libtorch 1.13, CPU, oneDNN)
  libopenblas0-pthread    # its BLAS: without it Debian's libtorch falls back to reference netlib BLAS
  libturbojpeg0-dev       # JPEG baseline / extended
  libopenjp2-7-dev        # JPEG 2000, HTJ2K
  libcharls-dev           # JPEG-LS
  libjxl-dev              # JPEG XL (1.2.840.10008.1.2.4.110-112)
  libsqlite3-dev          # cohort manifest (GRDB)
  libpng-dev zlib1g-dev   # PNG output, deflated DICOM
  dcmtk dicom3tools       # reference tools used by tests (dcmdump, dciodvfy)
  libjxl-tools            # cjxl/djxl: the JPEG XL tests encode their own streams and compare with djxl
  python3-torch python3-torchvision  # numerical parity tests and benchmarks
  python3-pip python3-venv           # the tests' pinned pydicom venv; fetching the default engine (scripts/setup_torch.sh)
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

# The DICOM reference corpus needs PyPI once (then it is cached under .build). Without it the
# comparisons with pydicom cannot run: under CI that is an error; on a person's machine setup goes
# on and those tests skip, each saying how to enable it.
if ! bash "$(dirname "$0")/reference/dicom_corpus.sh"; then
  if [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]; then
    echo "setup: the DICOM reference corpus could not be prepared (see above)" >&2
    exit 1
  fi
  echo "setup: warning: no DICOM reference corpus; the tests that compare with pydicom will skip (rerun make setup with network access)" >&2
fi
