#!/usr/bin/env bash
# Builds a mixed ultrasound DICOM archive from four public image sets plus a phantom cohort, the
# label mapping for it, and BUSI downstream tasks whose test images never enter the archive.
#
#   scripts/mixed_archive.sh [--quick] OUT BUSI_DIR HC18_DIR TG3K_DIR USGRA_DIR
#
# Each set is imported with `sonotag import` from a metadata table, with the tags a scanner
# would write for that exam (probe, study description, manufacturer, model, body part):
#
#   set    split used for the archive            probe (type)           study description
#   hc18   train of a split by subject (below)   C1-5-D (curved linear)  OB FETAL BIOMETRY  + pixel size → US regions
#   busi   its labels.csv `train`                ML6-15-D (linear)       US BREAST
#   tg3k   its labels.csv `train`                L12-5 (linear)          US THYROID
#   usgra  its labels.csv `train`                L14-6Ns (linear)        US NERVE BLOCK GUIDANCE
#
# Only TRAINING images go into the archive, never val or test. HC18 has no split: its subjects
# (the number before `_`, so `010_HC` and `010_2HC` stay together) are split 70/15/15 by
# SHA-1 of the subject id. BUSI, TG3K and usgra give no patient ids: each image is its own
# patient (its file stem). Every source image's split and whether it went into the archive is
# recorded in OUT/splits.csv. The probe of TG3K is not documented by its source: L12-5 is a
# representative small-parts linear probe. BUSI's and usgra's probes are the ones their sources
# name (BUSI paper: LOGIQ E9, ML6-15-D; usgra-seg README: Mindray TE7, L14-6Ns); HC18's are GE
# Voluson systems, C1-5-D is one of their convex probes.
#
# Writes:
#   OUT/archive/{phantom,hc18,busi,tg3k,usgra}/    the DICOM archive (index OUT/archive)
#   OUT/tables/<set>.csv                            the import tables (what a user would write)
#   OUT/splits.csv                                  set, image, split, in_archive
#   OUT/labels.yaml                                 the mapping (scripts/evidence/labels.yaml)
#   OUT/downstream/busi_segmentation/labels.csv     BUSI lesion masks (benign + malignant images;
#                                                   normal ones have empty masks), BUSI's split
#   OUT/downstream/busi_classification/labels.csv   benign / malignant / normal, BUSI's split
#   OUT/phantom/downstream/{quality,liver_kidney,thyroid}/   the phantom's downstream sets
#   OUT/ARCHIVE.md                                  counts per set and split
#
# Knobs (environment): SONOTAG (.build/release/sonotag, else .build/debug/sonotag),
# MIX_MAX_PER_SET (400; --quick 24) training images taken per public set (a SHA-1 order of
# their ids, so the same subset every time), MIX_PHANTOM_PATIENTS (24; --quick 4),
# MIX_PHANTOM_DOWNSTREAM (100 patients per phantom task; --quick 8), MIX_THREADS (2),
# MIX_BUSI_PER_SPLIT (0 = all; --quick 32) BUSI images per split in the downstream tasks.
# Rerunning rebuilds OUT from scratch.
set -euo pipefail

quick=0
if [[ "${1:-}" == "--quick" ]]; then quick=1; shift; fi
if [[ $# -ne 5 ]]; then
    echo "usage: scripts/mixed_archive.sh [--quick] OUT BUSI_DIR HC18_DIR TG3K_DIR USGRA_DIR" >&2
    exit 64
fi
out="$1"; busi="$2"; hc18="$3"; tg3k="$4"; usgra="$5"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [[ -z "${SONOTAG:-}" ]]; then
    SONOTAG="$root/.build/release/sonotag"
    [[ -x "$SONOTAG" ]] || SONOTAG="$root/.build/debug/sonotag"
fi
[[ -x "$SONOTAG" ]] || { echo "mixed_archive: $SONOTAG is not built (swift build)" >&2; exit 1; }
if [[ $quick == 1 ]]; then d_max=24; d_pat=4; d_down=8; d_busi=32; else d_max=400; d_pat=24; d_down=100; d_busi=0; fi
max_per_set="${MIX_MAX_PER_SET:-$d_max}"
phantom_patients="${MIX_PHANTOM_PATIENTS:-$d_pat}"
phantom_downstream="${MIX_PHANTOM_DOWNSTREAM:-$d_down}"
threads="${MIX_THREADS:-2}"
busi_cap="${MIX_BUSI_PER_SPLIT:-$d_busi}"

for pair in "busi:$busi/labels.csv" "hc18:$hc18/pixel_size_and_hc.csv" "tg3k:$tg3k/labels.csv" "usgra:$usgra/labels.csv"; do
    [[ -f "${pair#*:}" ]] || { echo "mixed_archive: ${pair%%:*}: ${pair#*:} not found (see the set's SOURCE.md and README, \"Evidence\")" >&2; exit 65; }
done

rm -rf "$out"
mkdir -p "$out/tables" "$out/archive" "$out/downstream/busi_segmentation" "$out/downstream/busi_classification"
cp "$here/evidence/labels.yaml" "$out/labels.yaml"

# The tables: standard library Python, reading each set's own CSV.
python3 - "$out" "$busi" "$hc18" "$tg3k" "$usgra" "$max_per_set" "$busi_cap" <<'PY'
import csv, hashlib, os, sys
out, busi, hc18, tg3k, usgra, cap, busi_cap = sys.argv[1:8]
cap, busi_cap = int(cap), int(busi_cap)
def sha(text): return hashlib.sha1(text.encode()).hexdigest()
def rows(path):
    with open(path, newline="") as f: return list(csv.DictReader(f))
splits = []          # set, image, split, in_archive
tags = {
    "busi":  dict(TransducerData="ML6-15-D", TransducerType="LINEAR", StudyDescription="US BREAST", BodyPartExamined="BREAST",
                  Manufacturer="GE Healthcare", ManufacturerModelName="LOGIQ E9", SeriesDescription="BREAST"),
    "hc18":  dict(TransducerData="C1-5-D", TransducerType="CURVED LINEAR", StudyDescription="OB FETAL BIOMETRY",
                  Manufacturer="GE Healthcare", ManufacturerModelName="Voluson E8", SeriesDescription="FETAL HEAD"),
    "tg3k":  dict(TransducerData="L12-5", TransducerType="LINEAR", StudyDescription="US THYROID", BodyPartExamined="NECK",
                  SeriesDescription="THYROID"),
    "usgra": dict(TransducerData="L14-6Ns", TransducerType="LINEAR", StudyDescription="US NERVE BLOCK GUIDANCE",
                  Manufacturer="Mindray", ManufacturerModelName="TE7", SeriesDescription="NERVE"),
}
def write_table(name, entries):
    # entries: (absolute image path, patient, pixel spacing or "")
    keys = list(tags[name])
    with open(os.path.join(out, "tables", name + ".csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image", "patient", "pixel_spacing_mm"] + keys)
        for image, patient, spacing in entries:
            w.writerow([image, patient, spacing] + [tags[name][k] for k in keys])

def from_labels(name, folder):
    table = rows(os.path.join(folder, "labels.csv"))
    train = sorted((r for r in table if r["split"] == "train"), key=lambda r: sha(r["image"]))
    chosen = {r["image"] for r in train[:cap]}
    for r in table:
        splits.append((name, r["image"], r["split"], "yes" if r["image"] in chosen else "no"))
    stem = lambda p: os.path.splitext(os.path.basename(p))[0]
    write_table(name, [(os.path.join(os.path.abspath(folder), r["image"]), f"{name}-{stem(r['image'])}", "")
                       for r in train[:cap]])
    return table

busi_table = from_labels("busi", busi)
from_labels("tg3k", tg3k)
from_labels("usgra", usgra)

# HC18: split by subject, 70/15/15 on SHA-1 of the subject id.
hc = rows(os.path.join(hc18, "pixel_size_and_hc.csv"))
def subject(fn): return fn.split("_")[0]
def hc_split(fn):
    v = int(sha("hc18:" + subject(fn))[:8], 16) % 100
    return "train" if v < 70 else ("val" if v < 85 else "test")
train = sorted((r for r in hc if hc_split(r["filename"]) == "train"), key=lambda r: sha(r["filename"]))[:cap]
chosen = {r["filename"] for r in train}
for r in hc:
    splits.append(("hc18", "images/" + r["filename"], hc_split(r["filename"]), "yes" if r["filename"] in chosen else "no"))
write_table("hc18", [(os.path.join(os.path.abspath(hc18), "images", r["filename"]), "hc18-" + subject(r["filename"]),
                      r["pixel size(mm)"]) for r in train])

with open(os.path.join(out, "splits.csv"), "w", newline="") as f:
    w = csv.writer(f); w.writerow(["set", "image", "split", "in_archive"]); w.writerows(splits)

# BUSI downstream tasks: BUSI's own split; absolute paths, so nothing is copied. With a cap
# (--quick), the same SHA-1-ordered subset of each split (the chain check reads fewer files).
root = os.path.abspath(busi)
if busi_cap > 0:
    kept = []
    for split in ["train", "val", "test"]:
        kept += sorted((r for r in busi_table if r["split"] == split), key=lambda r: sha(r["image"]))[:busi_cap]
    busi_table = kept
with open(os.path.join(out, "downstream", "busi_classification", "labels.csv"), "w", newline="") as f:
    w = csv.writer(f); w.writerow(["image", "label", "split"])
    for r in busi_table: w.writerow([os.path.join(root, r["image"]), r["class"], r["split"]])
with open(os.path.join(out, "downstream", "busi_segmentation", "labels.csv"), "w", newline="") as f:
    w = csv.writer(f); w.writerow(["image", "mask", "split"])
    for r in busi_table:
        if r["class"] != "normal": w.writerow([os.path.join(root, r["image"]), os.path.join(root, r["mask"]), r["split"]])

# The promise the evidence rests on: no val/test image of any set is in the archive.
leaked = [s for s in splits if s[3] == "yes" and s[2] != "train"]
assert not leaked, leaked
PY

start=$(date +%s)
for set in hc18 busi tg3k usgra; do
    "$SONOTAG" import "$out/tables/$set.csv" --out "$out/archive/$set" --report "$out/tables/$set.import.csv" --threads "$threads"
done

# The phantom cohort (its downstream sets are experiment (a)'s tasks); its DICOM folder joins the archive.
"$SONOTAG" phantom --out "$out/phantom" --patients "$phantom_patients" --seed 1 --size 128x192 --other-kinds 0.1 \
    --downstream-patients "$phantom_downstream" --downstream-images 4 --threads "$threads"
mv "$out/phantom/dicom" "$out/archive/phantom"

python3 - "$out" <<'PY'
import csv, collections, os, sys
out = sys.argv[1]
with open(os.path.join(out, "splits.csv")) as f: splits = list(csv.DictReader(f))
count = collections.Counter((s["set"], s["split"], s["in_archive"]) for s in splits)
lines = ["# Mixed evidence archive", "", "| set | train (in archive / not taken) | val | test |", "|---|---:|---:|---:|"]
for name in ["hc18", "busi", "tg3k", "usgra"]:
    lines.append(f"| {name} | {count[(name,'train','yes')]} / {count[(name,'train','no')]} | "
                 f"{count[(name,'val','no')]} | {count[(name,'test','no')]} |")
dicoms = sum(len(files) for _, _, files in os.walk(os.path.join(out, "archive", "phantom")))
lines += ["", f"phantom: {dicoms} DICOM files (archive/phantom); its downstream sets in phantom/downstream.",
          "Only training images of the public sets are in the archive (splits.csv, column in_archive).", ""]
for task in ["busi_classification", "busi_segmentation"]:
    with open(os.path.join(out, "downstream", task, "labels.csv")) as f: r = list(csv.DictReader(f))
    c = collections.Counter(x["split"] for x in r)
    lines.append(f"- {task}: train {c['train']}, val {c['val']}, test {c['test']} (BUSI's split; none of val/test in the archive)")
open(os.path.join(out, "ARCHIVE.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "mixed_archive: built $out/archive in $(( $(date +%s) - start )) s"
