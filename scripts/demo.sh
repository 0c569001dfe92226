#!/usr/bin/env bash
# The built-in default job (`make demo`): the whole pipeline on a phantom cohort, CPU-sized.
# See scripts/demo_pipeline.sh for its knobs; `sonotag smoke` is the quick libtorch check.
set -euo pipefail
bin="${1:-.build/release/sonotag}"
exec bash "$(dirname "$0")/demo_pipeline.sh" "$bin"
