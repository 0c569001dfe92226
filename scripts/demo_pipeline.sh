#!/usr/bin/env bash
# The whole SonoTag pipeline on a phantom cohort, sized for a laptop CPU:
#   phantom cohort → index → weak labels → pretraining (DCM, CE, CE+DCM) → fine-tuning of the
#   phantom's downstream tasks (Baseline, DCM, CE, CE+DCM, CE+DCM+F, and ImageNet when weights
#   are given) → a Table-2-shaped table with paired significance tests and a self-contained
#   HTML report in ./demo-out/.
# Every configuration is scored on the same 200 test images per task (95 % CIs narrower than ±0.1); Table 2 marks the
# differences that are significant (paired Wilcoxon, Holm-corrected) and says so in one sentence
# when none is. Rerunning resumes: finished steps are kept. `rm -rf demo-out` starts over.
#
# Environment knobs (defaults keep the pipeline under 10 minutes on 2 cores):
#   DEMO_OUT (demo-out)  DEMO_PATIENTS (24)  DEMO_DOWNSTREAM_PATIENTS (200)
#   DEMO_DOWNSTREAM_IMAGES (4 per patient: 480 train / 120 val / 200 test per task)
#   DEMO_SIZE (64x96)  DEMO_BACKBONE (resnet18)  DEMO_PRETRAIN_EPOCHS (3)
#   DEMO_PRETRAIN_MAX_IMAGES (200 per epoch)  DEMO_FINETUNE_EPOCHS (8: fewer leave the
#   segmentation nets predicting foreground everywhere)  DEMO_FINETUNE_MAX_IMAGES (64 training
#   images per task, a seeded draw; a quarter as many for validation)  DEMO_SEEDS (2: pretraining and fine-tuning seeds, so a cell's ± is a spread across seeds)  DEMO_DECODER_WIDTH (8)
#   DEMO_THREADS (2)  DEMO_OTHER_KINDS (0.1 of the phantom's images are colour Doppler, Doppler
#   strips or report pages; pretraining uses the B-mode ones)  DEMO_FINETUNE_LR (1e-3: a few epochs
#   need a larger rate than Table A2's, which assumes 300-500)  DEMO_IMAGENET (path to torchvision
#   weights for the backbone, converted to safetensors; the ImageNet row says so when absent)
set -euo pipefail

bin="${1:-.build/release/sonotag}"
out="${DEMO_OUT:-demo-out}"
patients="${DEMO_PATIENTS:-24}"
downstream_patients="${DEMO_DOWNSTREAM_PATIENTS:-200}"
downstream_images="${DEMO_DOWNSTREAM_IMAGES:-4}"
size="${DEMO_SIZE:-64x96}"
backbone="${DEMO_BACKBONE:-resnet18}"
pretrain_epochs="${DEMO_PRETRAIN_EPOCHS:-3}"
pretrain_max_images="${DEMO_PRETRAIN_MAX_IMAGES:-200}"
finetune_epochs="${DEMO_FINETUNE_EPOCHS:-8}"
finetune_max_images="${DEMO_FINETUNE_MAX_IMAGES:-64}"
seeds="${DEMO_SEEDS:-2}"
decoder_width="${DEMO_DECODER_WIDTH:-8}"
finetune_lr="${DEMO_FINETUNE_LR:-1e-3}"
threads="${DEMO_THREADS:-2}"
other_kinds="${DEMO_OTHER_KINDS:-0.1}"
imagenet=()
[[ -n "${DEMO_IMAGENET:-}" ]] && imagenet=(--imagenet "$backbone=$DEMO_IMAGENET")

start=$(date +%s)
step() { printf '\n== %s (%ds)\n' "$1" "$(( $(date +%s) - start ))"; }
mkdir -p "$out"

step "phantom cohort: $patients patients"
if [[ ! -d "$out/phantom/downstream" ]]; then
    # A real archive mixes in colour Doppler, Doppler strips and report pages: so does the demo's,
    # and pretraining keeps the B-mode images (its log counts the frames it leaves out).
    "$bin" phantom --out "$out/phantom" --patients "$patients" --seed 1 --size 128x192 --other-kinds "$other_kinds" \
        --downstream-patients "$downstream_patients" --downstream-images "$downstream_images"
fi

step "index the DICOM files"
# A manifest from before the patient-id key file (schema 1, no key beside it) is refused by
# every command: index again.
if [[ -f "$out/cohort.sqlite" && ! -f "$out/patient-id.key" ]]; then
    rm -rf "$out/cohort.sqlite" "$out/cohort.sqlite-wal" "$out/cohort.sqlite-shm" "$out/cohort.cache"
fi
# The phantom's patients are synthetic, so the demo uses a fixed key: the same patient split, hence
# the same Table 2, on every machine and every fresh run (with a new random key each fresh demo
# drew another split and other numbers). A real archive's key is random and private: `sonotag
# index` creates it.
if [[ ! -f "$out/patient-id.key" ]]; then
    mkdir -p "$out"
    (umask 077; printf '# SonoTag patient-id key: the demo phantom'"'"'s fixed key (synthetic patients only, never for real data)\n%s\n' \
        "$(printf 'sonotag demo phantom, synthetic!' | base64)" > "$out/patient-id.key")
fi
"$bin" index "$out/phantom/dicom" --db "$out/cohort.sqlite" --key "$out/patient-id.key"

step "image kinds found by the crawl"
"$bin" tags --db "$out/cohort.sqlite" --kinds

step "weak labels from Study Description and Transducer Data"
"$bin" labels --db "$out/cohort.sqlite"

step "patient split (80/20 train/val)"
"$bin" split --db "$out/cohort.sqlite"

downstream="$out/phantom/downstream"
tasks=()
[[ -d "$downstream/quality" ]] && tasks+=(--task "quality:classification=$downstream/quality")
[[ -d "$downstream/liver_kidney" ]] && tasks+=(--task "liver_kidney:segmentation=$downstream/liver_kidney")
[[ -d "$downstream/thyroid" ]] && tasks+=(--task "thyroid:segmentation=$downstream/thyroid")

step "pretrain (DCM, CE, CE+DCM), fine-tune every task, evaluate, compare, write Table 2"
"$bin" experiment table2 --db "$out/cohort.sqlite" "${tasks[@]}" \
    --backbone "$backbone" --configs baseline,imagenet,dcm,ce,ce+dcm,ce+dcm+f "${imagenet[@]}" --seeds "$seeds" \
    --size "$size" --pretrain-epochs "$pretrain_epochs" --pretrain-batch-size 16 \
    --pretrain-max-images "$pretrain_max_images" \
    --finetune-epochs "$finetune_epochs" --finetune-max-images "$finetune_max_images" \
    --finetune-lr "$finetune_lr" --decoder-width "$decoder_width" \
    --threads "$threads" --resamples 1000 --overlays 4 --out "$out/experiment"

step "done"
echo "Table 2:     $out/experiment/table2.md"
cat "$out/experiment/table2.md"
echo "HTML report: $out/experiment/report.html"
echo "wall time: $(( $(date +%s) - start )) s"
