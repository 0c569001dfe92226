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
# A full disk surfaces later as dozens of unrelated failures (checkpoints "could not be written"
# in the middle of the tests), so the room is checked once, up front. Measured on a bare Debian 12
# machine: the packages ~1.7 GB, the torch engine ~1.7 GB (cache), the build ~0.7 GB, the tests'
# run folders in the temporary directory ~1.5 GB at their peak. SONOTAG_SKIP_DISK_CHECK=1 skips it.
free_mb() { df -Pm "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'; }
if [ "${SONOTAG_SKIP_DISK_CHECK:-0}" != 1 ]; then
  here_need=1500
  ((${#missing[@]})) && here_need=$((here_need + 2000))
  [ -f "${SONOTAG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sonotag}/torch-2.15.0-cpu/.complete" ] || here_need=$((here_need + 2000))
  tmp="${TMPDIR:-/tmp}"
  tmp_need=2000
  # Same filesystem: one budget.
  [ "$(df -P "$tmp" | awk 'NR == 2 { print $1 }')" = "$(df -P . | awk 'NR == 2 { print $1 }')" ] && { here_need=$((here_need + tmp_need)); tmp_need=0; }
  short=""
  [ "$(free_mb .)" -ge "$here_need" ] || short="$(pwd): $(free_mb .) MB free, about $here_need MB needed (packages, torch engine, build, tests)"
  [ "$tmp_need" = 0 ] || [ "$(free_mb "$tmp")" -ge "$tmp_need" ] || short="${short:+$short; }$tmp: $(free_mb "$tmp") MB free, about $tmp_need MB needed by the tests' run folders"
  if [ -n "$short" ]; then
    echo "setup: not enough disk space: $short" >&2
    leftovers=$(find "$tmp" -maxdepth 1 -name 'sonotag-*' 2>/dev/null | wc -l)
    [ "$leftovers" -gt 0 ] && echo "setup: $tmp holds $leftovers sonotag-* folders left by earlier test runs ($(du -csm "$tmp"/sonotag-* 2>/dev/null | tail -1 | cut -f1) MB); removing them is safe when no test runs" >&2
    echo "setup: free some space, or set SONOTAG_SKIP_DISK_CHECK=1 to go on anyway" >&2
    exit 1
  fi
fi
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
