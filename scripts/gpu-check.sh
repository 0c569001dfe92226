#!/usr/bin/env bash
# The GPU check of the "Scale out" issue, in one run (about 8 minutes on an NVIDIA machine):
#   1. build SonoTag against PyPI's CUDA torch wheel (LIBTORCH=<the wheel's torch folder>),
#   2. run the CUDA tests (CUDA vs CPU for a few CE+DCM steps, checkpoints from the GPU, bf16/fp16),
#   3. time pretraining at 256x384, batch 32, ResNet-50 and VGG16-BN, fp32 and bf16, next to
#      PyTorch's own step on the same GPU (Benchmarks/pretrain_step_torch.py),
#   4. print one summary table.
# Without a GPU it runs what a CPU can check (the shim's data-parallel and mixed-precision tests on
# the default build, the reference script on CPU) and lists every part it skipped.
#
# Usage: bash scripts/gpu-check.sh            knobs: PYTHON, TORCH_SPEC, STEPS, GPU_BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
steps="${STEPS:-5}"
build_dir="${GPU_BUILD_DIR:-.build-gpu}"
torch_spec="${TORCH_SPEC:-torch torchvision}"
results=()   # "part|status|detail"
skipped=()
note() { printf '[gpu-check %4ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }
record() { results+=("$1|$2|$3"); }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | head -1; }

gpu=""
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | head -1)
  note "GPU: $gpu"
else
  note "no NVIDIA GPU visible (nvidia-smi missing or lists none): running the CPU-checkable parts only"
fi

# ---- a Python with a CUDA torch (the wheel whose libtorch SonoTag links) ----
python="${PYTHON:-}"
if [[ -n "$gpu" && -z "$python" ]]; then
  for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
      python="$candidate"; break
    fi
  done
  if [[ -z "$python" ]]; then
    note "installing $torch_spec from PyPI into $build_dir/venv (the default Linux wheel carries CUDA)"
    python3 -m venv "$build_dir/venv" && "$build_dir/venv/bin/pip" install --quiet $torch_spec \
      && python="$build_dir/venv/bin/python"
  fi
fi

if [[ -n "$gpu" && -n "$python" ]]; then
  libtorch=$("$python" -c 'import torch, os; print(os.path.dirname(torch.__file__))')
  note "LIBTORCH=$libtorch (torch $("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)'))"
  # ---- 1. build ----
  note "building (release, tests included) in $build_dir"
  if LIBTORCH="$libtorch" swift build -c release -Xswiftc -enable-testing --build-tests --build-path "$build_dir" \
       >"$build_dir.log" 2>&1; then
    record "build against the CUDA wheel" ok "$libtorch"
  else
    tail -30 "$build_dir.log"
    record "build against the CUDA wheel" FAILED "see $build_dir.log"
  fi
  bin="$build_dir/release/sonotag-train"
  # ---- 2. CUDA tests (they skip, saying why, where no GPU is visible) ----
  if [[ -x "$bin" ]]; then
    note "CUDA tests"
    if LIBTORCH="$libtorch" swift test -c release -Xswiftc -enable-testing --skip-build --build-path "$build_dir" \
         --filter 'CUDATests|DataParallelTests|ProcessGroupTests' 2>&1 | tee "$build_dir-tests.log" | tail -15; then
      record "CUDA tests (CUDA vs CPU steps, checkpoints, bf16/fp16)" ok "$(grep -Eo 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$build_dir-tests.log" | tail -1)"
    else
      record "CUDA tests (CUDA vs CPU steps, checkpoints, bf16/fp16)" FAILED "see $build_dir-tests.log"
    fi
    # ---- 3. throughput: SonoTag and PyTorch, same GPU, same run ----
    for backbone in resnet50 vgg16bn; do
      for precision in fp32 bf16; do
        s_line=$("$bin" pretrain --bench-steps "$steps" --backbone "$backbone" --batch-size 32 --size 256x384 \
                   --device cuda --precision "$precision" --out /dev/null 2>&1 | tail -1)
        t_line=$("$python" Benchmarks/pretrain_step_torch.py --backbone "$backbone" --batch 32 --size 256 384 \
                   --steps "$steps" --warmup 2 --device cuda --precision "$precision" 2>&1 | tail -1)
        s_ms=$(echo "$s_line" | field ms_per_step); t_ms=$(echo "$t_line" | field ms_per_step)
        if [[ -n "$s_ms" && -n "$t_ms" ]]; then
          detail=$(awk -v s="$s_ms" -v t="$t_ms" 'BEGIN { printf "sonotag %.1f img/s | pytorch %.1f img/s | ratio %.2f", 32000 / s, 32000 / t, t / s }')
          record "throughput $backbone $precision 256x384 b32" ok "$detail"
        else
          record "throughput $backbone $precision 256x384 b32" FAILED "sonotag: $s_line | pytorch: $t_line"
        fi
      done
    done
  fi
else
  [[ -n "$gpu" ]] && record "CUDA torch wheel" FAILED "no Python with a CUDA torch and pip could not install one"
  gpu_reason="needs an NVIDIA GPU"
  [[ -n "$gpu" ]] && gpu_reason="needs a CUDA torch"
  skipped+=("build against PyPI's CUDA torch wheel|$gpu_reason"
            "CUDA tests (CUDA vs CPU CE+DCM steps, GPU checkpoints, fp16)|$gpu_reason"
            "GPU throughput 256x384 b32 (ResNet-50, VGG16-BN; fp32, bf16)|$gpu_reason")
  # ---- CPU-checkable parts: the default build (the pinned pip torch as .torch, or Debian's libtorch) ----
  if [[ -x .build/release/sonotag-train || -x .build/debug/sonotag-train ]]; then
    config=release; [[ -x .build/release/sonotag-train ]] || config=debug
    flags=(-c "$config"); [[ "$config" == release ]] && flags+=(-Xswiftc -enable-testing)
    note "CPU: data-parallel, sync-batchnorm, autocast and CUDA-skip tests on the $config build"
    if swift test "${flags[@]}" --skip-build --filter 'CUDATests|DataParallelTests|ProcessGroupTests' >/tmp/gpu-check-cpu.log 2>&1; then
      record "CPU tests (Gloo, SyncBatchNorm, bf16, scaler; CUDA tests skip)" ok \
        "$(grep -Eo 'Executed [0-9]+ tests?, with [0-9]+ tests? skipped and [0-9]+ failures?|Executed [0-9]+ tests?, with [0-9]+ failures?' /tmp/gpu-check-cpu.log | tail -1)"
    else
      tail -20 /tmp/gpu-check-cpu.log
      record "CPU tests (Gloo, SyncBatchNorm, bf16, scaler; CUDA tests skip)" FAILED "see /tmp/gpu-check-cpu.log"
    fi
    bin=".build/$config/sonotag-train"
    s_line=$("$bin" pretrain --bench-steps 1 --backbone resnet18 --batch-size 4 --size 64x96 --precision bf16 \
               --threads 1 --out /dev/null 2>&1 | tail -1)
    record "bf16 bench step on CPU (resnet18 64x96 b4)" "$([[ "$s_line" == *ms_per_step* ]] && echo ok || echo FAILED)" "$s_line"
  else
    skipped+=("CPU tests|no build found: run 'make test' or 'swift build --build-tests' first")
  fi
  py="${PYTHON:-/usr/bin/python3}"
  if "$py" -c 'import torch, torchvision' 2>/dev/null; then
    t_line=$("$py" Benchmarks/pretrain_step_torch.py --backbone resnet50 --batch 2 --size 64 96 --steps 1 --warmup 0 \
               --threads 1 --precision bf16 2>&1 | tail -1)
    record "reference script, bf16 on CPU (resnet50 64x96 b2)" "$([[ "$t_line" == *ms_per_step* ]] && echo ok || echo FAILED)" "$t_line"
  else
    skipped+=("reference script on CPU|$py lacks torch/torchvision")
  fi
fi

echo
echo "== gpu-check summary ($(( $(date +%s) - start )) s) ${gpu:+on $gpu}"
printf '%-58s | %-6s | %s\n' "part" "status" "detail"
printf '%s\n' "-----------------------------------------------------------+--------+-----------------------------------------------"
failed=0
for row in "${results[@]}"; do
  IFS='|' read -r part status detail <<<"$row"
  printf '%-58s | %-6s | %s\n' "$part" "$status" "$detail"
  [[ "$status" == ok ]] || failed=1
done
for row in "${skipped[@]}"; do
  IFS='|' read -r part reason <<<"$row"
  printf '%-58s | %-6s | %s\n' "$part" "SKIP" "$reason"
done
exit $failed
