#!/usr/bin/env bash
# The evidence runs of issue 15: does DICOM-metadata pretraining help?
#
#   scripts/evidence.sh [--quick] [BUSI_DIR HC18_DIR TG3K_DIR USGRA_DIR]
#
# The four public sets are not shipped (README, "Evidence: public data"); without arguments they
# are read from ../shared/data/{busi,hc18,tg3k,usgra} beside the checkout when present.
#
# 1. scripts/mixed_archive.sh: a DICOM archive of the sets' TRAINING images (imported with
#    `sonotag import`, tagged as each exam's scanner would) plus a phantom cohort, the label
#    mapping with new groups (breast, fetal, nerve, vascular), BUSI's downstream tasks.
# 2. index, labels (that mapping), split 80/20 by patient.
# 3. One experiment folder, so one report.html holds both experiments (and pretraining is shared):
#    (b) `experiment table2`: DCM, CE, CE+DCM pretrained on the mixed archive, then Baseline, DCM,
#        CE, CE+DCM, CE+DCM+F fine-tuned on BUSI lesion segmentation and BUSI classification
#        (benign / malignant / normal) with all their training images, SEEDS seeds, scored on
#        BUSI's test split (never in the archive): paired bootstrap CIs, Wilcoxon, Holm.
#    (a)+(b) `experiment lowdata`: the same configurations, 5 % of the training images,
#        REPEATS repeats, on the phantom's three tasks and both BUSI tasks.
# 4. OUT/EVIDENCE.md: what ran (data counts, settings, commit, hardware), the stage times, both
#    tables, and a plain verdict per task against the issue's target (CE+DCM better than
#    Baseline and than CE at Holm-corrected p < 0.05), whichever way it comes out.
#
# --quick: tiny sizes (24 images per set, 32 BUSI images per split, 1 pretraining epoch of 32
# images, 1 fine-tuning epoch, 2 low-data repeats on one phantom and one BUSI task), to check the whole chain end to end in a few minutes; its numbers mean
# nothing. Without it the settings below; on 2 CPU cores they are sized to finish within 2 hours
# (README, "Evidence", gives the measured time).
#
# Knobs (environment; defaults full / --quick): EVID_OUT (evidence-out / evidence-quick),
# SONOTAG and SONOTAG_TRAIN (the executables; default .build/release, else .build/debug),
# EVID_SEEDS (3 / 1), EVID_REPEATS (6 / 2: a Wilcoxon over n repeats cannot go below p = 2/2^n, so 5 could never reach 0.05), EVID_FRACTION (0.05 / 0.1), EVID_SIZE (64x96),
# EVID_BACKBONE (resnet18), EVID_PRETRAIN_EPOCHS (4 / 1), EVID_PRETRAIN_MAX_IMAGES (256 / 32),
# EVID_FINETUNE_EPOCHS (8 / 1), EVID_FINETUNE_MAX_IMAGES (160 / 16), EVID_FINETUNE_LR (1e-3),
# EVID_DECODER_WIDTH (8), EVID_RESAMPLES (1000 / 100), EVID_THREADS (2), and mixed_archive.sh's
# MIX_* knobs. Rerunning with the same EVID_OUT resumes the experiment (finished runs are kept);
# the archive is rebuilt only when OUT/mixed is missing.
set -euo pipefail

quick=0
if [[ "${1:-}" == "--quick" ]]; then quick=1; shift; fi
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [[ $# -eq 4 ]]; then
    busi="$1"; hc18="$2"; tg3k="$3"; usgra="$4"
elif [[ $# -eq 0 ]]; then
    shared="$root/../shared/data"
    busi="$shared/busi"; hc18="$shared/hc18"; tg3k="$shared/tg3k"; usgra="$shared/usgra"
else
    echo "usage: scripts/evidence.sh [--quick] [BUSI_DIR HC18_DIR TG3K_DIR USGRA_DIR]" >&2
    exit 64
fi
missing=()
for pair in "BUSI:$busi/labels.csv" "HC18:$hc18/pixel_size_and_hc.csv" "TG3K:$tg3k/labels.csv" "usgra:$usgra/labels.csv"; do
    [[ -f "${pair#*:}" ]] || missing+=("${pair%%:*} (${pair#*:})")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "evidence: not found: ${missing[*]}" >&2
    echo "evidence: pass BUSI_DIR HC18_DIR TG3K_DIR USGRA_DIR, each a folder as the README's \"Evidence: public data\" describes (images/, masks/, labels.csv)" >&2
    exit 65
fi

pick() { local name="$1"; [[ -x "$root/.build/release/$name" ]] && echo "$root/.build/release/$name" || echo "$root/.build/debug/$name"; }
SONOTAG="${SONOTAG:-$(pick sonotag)}"
SONOTAG_TRAIN="${SONOTAG_TRAIN:-$(pick sonotag-train)}"
export SONOTAG SONOTAG_TRAIN
for tool in "$SONOTAG" "$SONOTAG_TRAIN"; do [[ -x "$tool" ]] || { echo "evidence: $tool is not built (make build)" >&2; exit 1; }; done

if [[ $quick == 1 ]]; then
    d_out=evidence-quick; d_seeds=1; d_repeats=2; d_fraction=0.1; d_pe=1; d_pmax=32; d_fe=1; d_fmax=16; d_res=100
else
    d_out=evidence-out; d_seeds=3; d_repeats=6; d_fraction=0.05; d_pe=4; d_pmax=256; d_fe=8; d_fmax=160; d_res=1000
fi
out="${EVID_OUT:-$d_out}"
seeds="${EVID_SEEDS:-$d_seeds}"
repeats="${EVID_REPEATS:-$d_repeats}"
fraction="${EVID_FRACTION:-$d_fraction}"
size="${EVID_SIZE:-64x96}"
backbone="${EVID_BACKBONE:-resnet18}"
pretrain_epochs="${EVID_PRETRAIN_EPOCHS:-$d_pe}"
pretrain_max="${EVID_PRETRAIN_MAX_IMAGES:-$d_pmax}"
finetune_epochs="${EVID_FINETUNE_EPOCHS:-$d_fe}"
finetune_max="${EVID_FINETUNE_MAX_IMAGES:-$d_fmax}"
finetune_lr="${EVID_FINETUNE_LR:-1e-3}"
decoder_width="${EVID_DECODER_WIDTH:-8}"
resamples="${EVID_RESAMPLES:-$d_res}"
threads="${EVID_THREADS:-2}"
configs="baseline,dcm,ce,ce+dcm,ce+dcm+f"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
timings="$out/timings.tsv"
: > "$timings"

start=$(date +%s)
stage_start=$start
stage_name=""
stage() {
    local now; now=$(date +%s)
    if [[ -n "$stage_name" ]]; then
        printf '%s\t%d\n' "$stage_name" "$(( now - stage_start ))" >> "$timings"
        printf '== %s: %d s\n' "$stage_name" "$(( now - stage_start ))"
    fi
    stage_name="$1"; stage_start=$now
    [[ "$1" == done ]] || printf '\n== %s (at %d s)\n' "$1" "$(( now - start ))"
}

stage "mixed archive (import of the public sets' training images + phantom cohort)"
if [[ ! -f "$out/mixed/ARCHIVE.md" ]]; then
    mixed_flag=(); [[ $quick == 1 ]] && mixed_flag=(--quick)
    MIX_THREADS="$threads" SONOTAG="$SONOTAG" "$here/mixed_archive.sh" "${mixed_flag[@]}" "$out/mixed" "$busi" "$hc18" "$tg3k" "$usgra"
else
    echo "kept $out/mixed (remove it to rebuild)"
fi

stage "index, weak labels (labels.yaml with breast/fetal/nerve/vascular), patient split"
"$SONOTAG" index "$out/mixed/archive" --db "$out/cohort.sqlite" --key "$out/patient-id.key" --threads "$threads" --plain
"$SONOTAG" tags --db "$out/cohort.sqlite" --kinds | tee "$out/kinds.txt"
"$SONOTAG" labels --db "$out/cohort.sqlite" --labels "$out/mixed/labels.yaml" | tee "$out/labels.txt"
"$SONOTAG" split --db "$out/cohort.sqlite" --val 0.2 | tee "$out/split.txt"

tasks_real=(--task "busi_segmentation:segmentation=$out/mixed/downstream/busi_segmentation/labels.csv"
            --task "busi_classification:classification=$out/mixed/downstream/busi_classification/labels.csv")
phantom_down="$out/mixed/phantom/downstream"
tasks_phantom=(--task "quality:classification=$phantom_down/quality" --task "liver_kidney:segmentation=$phantom_down/liver_kidney"
               --task "thyroid:segmentation=$phantom_down/thyroid")
common=(--db "$out/cohort.sqlite" --labels "$out/mixed/labels.yaml" --backbone "$backbone" --configs "$configs"
        --size "$size" --pretrain-epochs "$pretrain_epochs" --pretrain-batch-size 16 --pretrain-max-images "$pretrain_max"
        --finetune-epochs "$finetune_epochs" --finetune-max-images "$finetune_max" --finetune-lr "$finetune_lr"
        --decoder-width "$decoder_width" --resamples "$resamples" --overlays 2 --threads "$threads" --out "$out/experiment")

stage "(b) real, full data: pretrain on the mixed archive; BUSI segmentation and classification, $seeds seed(s)"
"$SONOTAG_TRAIN" experiment table2 "${common[@]}" "${tasks_real[@]}" --seeds "$seeds"

stage "(a)+(b) low data: $fraction of the training images, $repeats repeats; phantom tasks and BUSI"
lowdata_tasks=("${tasks_phantom[@]}" "${tasks_real[@]}")
# --quick checks the chain on one task of each kind (phantom, BUSI); the full run uses all five.
[[ $quick == 1 ]] && lowdata_tasks=("${tasks_phantom[@]:0:2}" "${tasks_real[@]:2:2}")
"$SONOTAG_TRAIN" experiment lowdata "${common[@]}" "${lowdata_tasks[@]}" --fraction "$fraction" --repeats "$repeats"

stage "done"
total=$(( $(date +%s) - start ))
printf 'total\t%d\n' "$total" >> "$timings"

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
python3 - "$out" "$quick" "$commit" "$total" <<PY
import csv, json, os, platform, sys
out, quick, commit, total = sys.argv[1], sys.argv[2] == "1", sys.argv[3], int(sys.argv[4])
exp = os.path.join(out, "experiment")
def read(path):
    return open(path).read().strip() if os.path.exists(path) else f"(missing: {path})"
lines = ["# SonoTag evidence run" + (" (--quick: a check of the chain; the numbers mean nothing)" if quick else ""), ""]
lines += [f"- commit {commit}; {platform.platform()}; {os.cpu_count()} CPUs visible, {os.environ.get('EVID_THREADS', '2')} libtorch threads",
          f"- settings: backbone $backbone, size $size, configurations $configs; pretraining $pretrain_epochs epoch(s) of at most "
          f"$pretrain_max images (batch 16); fine-tuning $finetune_epochs epoch(s) of at most $finetune_max images, lr $finetune_lr; "
          f"table2 seeds $seeds; low data $fraction of the training images × $repeats repeats; bootstrap $resamples resamples",
          f"- full report: {exp}/report.html", "", "## Stage times", "", "| stage | seconds |", "|---|---:|"]
for name, seconds in csv.reader(open(os.path.join(out, "timings.tsv")), delimiter="\t"):
    lines.append(f"| {name} | {seconds} |")
lines += ["", "## Data", "", read(os.path.join(out, "mixed", "ARCHIVE.md")).replace("# Mixed evidence archive", "").strip(), ""]
lines += ["## (b) BUSI, all training images (Table 2)", "", read(os.path.join(exp, "table2.md")), ""]
lines += ["## (a) phantom and (b) BUSI, low-data regime", "", read(os.path.join(exp, "lowdata.md")), ""]

# The verdict against the issue's target, from the experiment's own statistics.
verdicts = []
path = os.path.join(exp, "lowdata.json")
if os.path.exists(path):
    for result in json.load(open(path)):
        comps = {(c["first"], c["second"]): c for c in result["comparisons"]}
        def better(other):
            c = comps.get(("ce+dcm", other))
            if not c or c.get("adjustedPValue") is None: return None
            return c["medianDifference"] > 0 and c["adjustedPValue"] < 0.05
        b, ce = better("baseline"), better("ce")
        verdicts.append((f"low data, {result['task']}", b, ce))
path = os.path.join(exp, "comparisons.csv")
if os.path.exists(path):
    rows = list(csv.DictReader(open(path)))
    for task in sorted({r["task"] for r in rows}):
        def better(name):
            r = next((r for r in rows if r["task"] == task and r["comparison"] == name), None)
            if not r: return None
            try: return float(r["mean difference"]) > 0 and r["significant"] == "yes"
            except ValueError: return None
        verdicts.append((f"full data, {task}", better("CE+DCM − Baseline"), better("CE+DCM − CE")))
lines += ["## Verdict", "", "Target (issue 15): CE+DCM better than Baseline and than CE at Holm-corrected p < 0.05 on at least two "
          "of the three phantom tasks and on at least one real task.", "", "| experiment, task | CE+DCM > Baseline | CE+DCM > CE |", "|---|---|---|"]
word = lambda v: "n/a" if v is None else ("yes" if v else "no")
for name, b, ce in verdicts: lines.append(f"| {name} | {word(b)} | {word(ce)} |")
phantom = sum(1 for n, b, ce in verdicts if n.startswith("low data") and not "busi" in n and b and ce)
real = sum(1 for n, b, ce in verdicts if "busi" in n and b and ce)
met = phantom >= 2 and real >= 1
lines += ["", ("The target is met" if met else "The target is NOT met") +
          f": CE+DCM beats both Baseline and CE significantly on {phantom} of 3 phantom tasks and on {real} real (BUSI) comparison(s)."
          + ("" if met else " The tables above are the result as measured; no seed or split was selected."), ""]
open(os.path.join(out, "EVIDENCE.md"), "w").write("\n".join(lines))
print("\n".join(lines))
PY
echo
echo "evidence: $out/EVIDENCE.md and $out/experiment/report.html ($total s)"
