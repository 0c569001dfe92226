#!/usr/bin/env bash
# Real data check: fine-tune a U-Net on HC18 fetal-head ultrasound (../shared/data/hc18, 240
# images) twice at a CPU-friendly size — once from a random encoder, once from a CE-pretrained
# one — and print both test Dice values (mean ± std over 1000 bootstrap resamples of 50 %).
#
# The CE encoder comes from HC18_CE_RUN (a `sonotag pretrain --method ce` run folder or an
# exported encoder.safetensors); by default the demo's CE run (scripts/demo_pipeline.sh) when
# present, else a small CE pretraining on a fresh phantom cohort is done here first.
# Knobs: HC18_DATA HC18_OUT (hc18-out) HC18_SIZE (64x96) HC18_EPOCHS (10) HC18_BACKBONE (resnet18)
#        HC18_MAX_IMAGES (all 168 training images; a cap also caps validation at a quarter of it)
#        HC18_DECODER_WIDTH (16) HC18_PRETRAIN_EPOCHS (4)
set -euo pipefail

bin="${1:-.build/release/sonotag}"
data="${HC18_DATA:-../shared/data/hc18}"
out="${HC18_OUT:-hc18-out}"
size="${HC18_SIZE:-64x96}"
epochs="${HC18_EPOCHS:-10}"
backbone="${HC18_BACKBONE:-resnet18}"
decoder_width="${HC18_DECODER_WIDTH:-16}"
cap=()
[[ -n "${HC18_MAX_IMAGES:-}" ]] && cap=(--max-images "$HC18_MAX_IMAGES")
demo_ce="${DEMO_OUT:-demo-out}/experiment/pretrain/$backbone/ce"
ce="${HC18_CE_RUN:-}"
start=$(date +%s)
mkdir -p "$out"

if [[ -z "$ce" ]]; then
    if [[ -f "$demo_ce/experiment-done" ]]; then
        ce="$demo_ce"
    else
        ce="$out/pretrain-ce"
        if [[ ! -f "$ce/checkpoints/best.safetensors" ]]; then
            echo "== CE pretraining on a phantom cohort (no HC18_CE_RUN given)"
            [[ -d "$out/phantom/dicom" ]] || "$bin" phantom --out "$out/phantom" --patients 30 --seed 2 --size 128x192 --downstream-patients 0
            "$bin" index "$out/phantom/dicom" --db "$out/cohort.sqlite"
            "$bin" labels --db "$out/cohort.sqlite"
            "$bin" split --db "$out/cohort.sqlite"
            "$bin" pretrain --db "$out/cohort.sqlite" --method ce --backbone "$backbone" \
                --size "$size" --epochs "${HC18_PRETRAIN_EPOCHS:-4}" --batch-size 16 --threads 2 --out "$ce"
        fi
    fi
fi

for init in random ce; do
    encoder=random
    [[ "$init" == ce ]] && encoder="$ce"
    echo "== fine-tune HC18 segmentation, encoder: $encoder"
    resume=()
    [[ -f "$out/$init/checkpoints/last.safetensors" ]] && resume=(--resume)
    "$bin" finetune --task segmentation --data "$data" --task-name hc18 --encoder "$encoder" \
        --backbone "$backbone" --size "$size" --epochs "$epochs" --batch-size 8 --lr 1e-3 --seed 0 --threads 2 \
        --decoder-width "$decoder_width" "${cap[@]}" --out "$out/$init" "${resume[@]}"
    "$bin" evaluate "$out/$init" --overlays 8 > "$out/$init.evaluation.txt"
    cat "$out/$init.evaluation.txt"
done

echo "== HC18 test Dice (hashed 70/15/15 split by image, $size, $epochs epochs, $backbone)"
for init in random ce; do
    printf '%-7s %s\n' "$init" "$(grep '^| dice' "$out/$init.evaluation.txt")"
done
echo "wall time: $(( $(date +%s) - start )) s"
