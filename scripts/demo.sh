#!/usr/bin/env bash
# The built-in default job: grows with each landed issue (see README).
# For now: train a tiny conv net for a few steps through libtorch and print the loss falling.
set -euo pipefail
bin="${1:-.build/release/sonotag}"
"$bin" smoke
