#!/usr/bin/env bash
# The phantom ablation behind SonoTag's pretraining defaults (README, "Pretraining defaults").
#
#   scripts/ablation.sh [BIN] [OUT]      BIN: .build/release/sonotag   OUT: ablation-out
#
# One phantom cohort; CE+DCM pretrained once per setting (ResNet-18, 64×96, CPU-sized), each
# judged by the signals inside the method (metrics.csv's last epoch: L_D on real and fake, the
# conditional signal, the adversarial share of the encoder's gradient) and by fine-tuning the
# phantom's three tasks, scored on their VALIDATION split only: the test split is never looked
# at here, so choosing defaults from this table does not tune on the test set.
# Writes OUT/ablation.md and OUT/ablation.csv. Rerunning skips finished runs.
#
# Knobs: ABL_SETTINGS (names below, comma-separated), ABL_SEEDS (1), ABL_PATIENTS (40),
# ABL_EPOCHS (4), ABL_MAX_IMAGES (256 per epoch), ABL_FT_EPOCHS (8), ABL_FT_MAX_IMAGES (96),
# ABL_THREADS (2), ABL_TASKS (quality,liver_kidney,thyroid; empty: inside signals only).
set -euo pipefail

bin="${1:-.build/release/sonotag}"
out="${2:-ablation-out}"
settings="${ABL_SETTINGS:-paper,adv0.01,adv0.1,lrd1e-4,mean,spectral,dsteps2,ce-paper}"
seeds="${ABL_SEEDS:-1}"
patients="${ABL_PATIENTS:-40}"
epochs="${ABL_EPOCHS:-4}"
max_images="${ABL_MAX_IMAGES:-256}"
ft_epochs="${ABL_FT_EPOCHS:-8}"
ft_max_images="${ABL_FT_MAX_IMAGES:-96}"
threads="${ABL_THREADS:-2}"
tasks="${ABL_TASKS-quality,liver_kidney,thyroid}"
mkdir -p "$out/configs"

# name → YAML on top of --preset paper (method and overrides).
config_of() {
    case "$1" in
        paper)        echo "method: ce+dcm" ;;
        ce-paper)     echo "method: ce" ;;
        adv0.01)      printf 'method: ce+dcm\nlambda_adv: 0.01\nlambda_rec: 0.99\n' ;;
        adv0.1)       printf 'method: ce+dcm\nlambda_adv: 0.1\nlambda_rec: 0.9\n' ;;
        lrd1e-4)      printf 'method: ce+dcm\nlr_d: 0.0001\n' ;;
        mean)         printf 'method: ce+dcm\ndiscriminator_pooling: mean\n' ;;
        spectral)     printf 'method: ce+dcm\ndiscriminator_norm: spectral\n' ;;
        dsteps2)      printf 'method: ce+dcm\nd_steps: 2\n' ;;
        sn-mean)      printf 'method: ce+dcm\ndiscriminator_norm: spectral\ndiscriminator_pooling: mean\nlr_d: 0.0001\n' ;;
        sn-mean-adv)  printf 'method: ce+dcm\ndiscriminator_norm: spectral\ndiscriminator_pooling: mean\nlr_d: 0.0001\nlambda_adv: 0.01\nlambda_rec: 0.99\n' ;;
        ce-sn-mean)   printf 'method: ce\ndiscriminator_norm: spectral\ndiscriminator_pooling: mean\nlr_d: 0.0001\n' ;;
        # On top of the default's mean pooling: what might let D learn the labels within a CPU budget.
        ce-mean)      printf 'method: ce\ndiscriminator_pooling: mean\n' ;;
        mean-lrd1e-4) printf 'method: ce+dcm\ndiscriminator_pooling: mean\nlr_d: 0.0001\n' ;;
        mean-dsteps2) printf 'method: ce+dcm\ndiscriminator_pooling: mean\nd_steps: 2\n' ;;
        mean-adv0.01) printf 'method: ce+dcm\ndiscriminator_pooling: mean\nlambda_adv: 0.01\nlambda_rec: 0.99\n' ;;
        mean-dsteps2-adv0.01) printf 'method: ce+dcm\ndiscriminator_pooling: mean\nd_steps: 2\nlambda_adv: 0.01\nlambda_rec: 0.99\n' ;;
        mean-lrd1e-4-adv0.01) printf 'method: ce+dcm\ndiscriminator_pooling: mean\nlr_d: 0.0001\nlambda_adv: 0.01\nlambda_rec: 0.99\n' ;;
        dcm)          echo "method: dcm" ;;
        baseline)     echo "" ;;
        *) echo "unknown ablation setting '$1'" >&2; exit 2 ;;
    esac
}

if [[ ! -f "$out/cohort.sqlite" ]]; then
    "$bin" phantom --out "$out/phantom" --patients "$patients" --seed 1 --size 128x192 --downstream-patients 100 --downstream-images 4
    "$bin" index "$out/phantom/dicom" --db "$out/cohort.sqlite"
    "$bin" labels --db "$out/cohort.sqlite"
    "$bin" split --db "$out/cohort.sqlite"
fi

kind_of() { [[ "$1" == quality ]] && echo classification || echo segmentation; }
metric_of() { [[ "$1" == quality ]] && echo accuracy || echo dice; }

csv="$out/ablation.csv"
echo "setting,seed,epoch,val_loss_rec,loss_d_real,loss_d_fake,cond_share,cond_margin,adv_grad_share,label_acc,$tasks" > "$csv"
IFS=, read -r -a names <<< "$settings"
IFS=, read -r -a task_list <<< "$tasks"
for name in "${names[@]}"; do
    config_of "$name" > "$out/configs/$name.yaml"
    for ((s = 0; s < seeds; s++)); do
        run="$out/pretrain/$name/seed-$s"
        encoder=random
        inside=",,,,,,,"
        if [[ "$name" != baseline ]]; then
            if [[ ! -f "$run/done" ]]; then
                rm -rf "$run"
                mkdir -p "$(dirname "$run")"
                "$bin" pretrain --db "$out/cohort.sqlite" --preset paper --config "$out/configs/$name.yaml" \
                    --backbone resnet18 --size 64x96 --batch-size 16 --epochs "$epochs" \
                    --max-images "$max_images" --seed "$s" --threads "$threads" --out "$run" > "$run.log" 2>&1
                touch "$run/done"
            fi
            encoder="$run"
            inside=$(python3 - "$run/metrics.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["kind"] == "epoch"]
last = rows[-1]
print(",".join([last["epoch"], last["loss_rec"]] + [last.get(k, "") for k in
      ["loss_d_real", "loss_d_fake", "cond_share", "cond_margin", "adv_grad_share", "label_acc"]]))
PY
)
        fi
        scores=()
        for task in "${task_list[@]}"; do
            ft="$out/finetune/$name/seed-$s/$task"
            if [[ ! -f "$ft/val/metrics.json" ]]; then
                rm -rf "$ft"
                mkdir -p "$(dirname "$ft")"
                "$bin" finetune --task "$(kind_of "$task")" --data "$out/phantom/downstream/$task" --encoder "$encoder" \
                    --backbone resnet18 --size 64x96 --epochs "$ft_epochs" --lr 1e-3 --decoder-width 8 \
                    --max-images "$ft_max_images" --seed "$s" --threads "$threads" --out "$ft" > "$ft.log" 2>&1
                "$bin" evaluate "$ft" --split val --resamples 200 --overlays 0 --threads "$threads" --out "$ft/val" >> "$ft.log" 2>&1
            fi
            scores+=("$(python3 -c 'import json,sys; m={x["name"]: x["value"] for x in json.load(open(sys.argv[1]))["metrics"]}; print(round(m[sys.argv[2]], 4))' "$ft/val/metrics.json" "$(metric_of "$task")")")
        done
        (IFS=,; echo "$name,$s,$inside,${scores[*]}") >> "$csv"
        echo "$name seed $s: $inside | ${scores[*]}"
    done
done

python3 - "$csv" "$out/ablation.md" <<'PY'
import csv, sys, statistics as st
rows = list(csv.DictReader(open(sys.argv[1])))
fields = list(rows[0].keys()) if rows else []
tasks = [t for t in fields[10:] if t]
by = {}
for r in rows: by.setdefault(r["setting"], []).append(r)
def m(vals):
    v = [float(x) for x in vals if x not in ("", None)]
    if not v: return ""
    return f"{st.mean(v):.3f}" + (f" ± {st.stdev(v):.3f}" if len(v) > 1 else "")
lines = ["| setting | seeds | val L_rec | L_D real | L_D fake | cond share | cond margin | adv grad share | " + " | ".join(f"val {t}" for t in tasks) + " |",
         "|" + "---|" * (8 + len(tasks))]
for name, rs in by.items():
    cols = [m([r[k] for r in rs]) for k in ["val_loss_rec", "loss_d_real", "loss_d_fake", "cond_share", "cond_margin", "adv_grad_share"]]
    lines.append(f"| {name} | {len(rs)} | " + " | ".join(cols) + " | " + " | ".join(m([r[t] for r in rs]) for t in tasks) + " |")
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
