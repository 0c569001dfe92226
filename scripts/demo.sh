#!/usr/bin/env bash
# The built-in default job: grows with each landed issue (see README).
set -euo pipefail
bin="${1:-.build/release/sonotag}"
"$bin" --help
