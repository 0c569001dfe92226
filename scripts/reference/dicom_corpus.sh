#!/usr/bin/env bash
# Prepares the DICOM reference corpus the tests compare SonoTag's reader and decoders against:
# the DICOM files pydicom ships in its wheel (pydicom/data/test_files/*.dcm) and what pydicom,
# with its pylibjpeg and gdcm plugins, reads from each (dicom_oracle.py, beside this script).
#
# Everything comes from the pins in requirements.txt, installed into a venv under the build
# folder. The result, .build/reference/dicom/{files/,expected.json}, is remade only when the pins,
# the oracle, this script or the Python version change; otherwise this returns in milliseconds.
# Run by `make setup`; the tests find the result through Tests/TestSupport (ReferenceCorpus).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.build/venv-ref"
out="$root/.build/reference/dicom"
python="${PYTHON:-python3}"

command -v "$python" >/dev/null || { echo "dicom_corpus: $python not found (install python3 and python3-venv)" >&2; exit 1; }
key="$({ cat "$here/requirements.txt" "$here/dicom_oracle.py" "$here/dicom_corpus.sh"; "$python" --version; } | sha256sum | cut -c1-16)"
if [[ -f "$out/KEY" && "$(cat "$out/KEY")" == "$key" ]]; then exit 0; fi

# The venv is keyed the same way, so a changed pin reinstalls rather than piling up packages.
if [[ ! -x "$venv/bin/python" || "$(cat "$venv/KEY" 2>/dev/null)" != "$key" ]]; then
    echo "dicom_corpus: installing the pinned reference packages into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv" || { echo "dicom_corpus: '$python -m venv' failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --only-binary=:all: \
        -r "$here/requirements.txt" || { echo "dicom_corpus: pip could not install $here/requirements.txt" >&2; rm -rf "$venv"; exit 1; }
    echo "$key" > "$venv/KEY"
fi

echo "dicom_corpus: generating pydicom's expectations into $out"
mkdir -p "$(dirname "$out")"
work="$(mktemp -d "$out.XXXXXX")"
trap 'rm -rf "$work"' EXIT
corpus="$("$venv/bin/python" -c 'import os, pydicom.data; print(os.path.join(os.path.dirname(pydicom.data.__file__), "test_files"))')"
mkdir "$work/files"
cp "$corpus"/*.dcm "$work/files/"
"$venv/bin/python" "$here/dicom_oracle.py" "$work/files" > "$work/expected.json"
echo "$key" > "$work/KEY"
# Replace the previous result in one rename, so a test never sees half a corpus.
rm -rf "$out"
mv "$work" "$out"
trap - EXIT
echo "dicom_corpus: $(ls "$out/files" | wc -l) files, expectations in $out/expected.json"
