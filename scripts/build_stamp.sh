#!/usr/bin/env bash
# Records the git commit for `sonotag --version` in Sources/CBuildInfo/build_stamp.h (untracked).
# The file is rewritten only when the commit changes, so an unchanged tree rebuilds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=unknown
if command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then
  commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  # Tracked changes not yet committed make the build differ from the commit: say so.
  if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null; then commit="$commit-modified"; fi
fi
stamp=Sources/CBuildInfo/build_stamp.h
text="#define SONOTAG_GIT_COMMIT \"$commit\""
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$text" ]; then
  printf '%s\n' "$text" > "$stamp"
  # A build made before the stamp existed recorded no dependency on it (build_info.c includes it
  # through __has_include), so a new stamp alone would not recompile it: touch the includer.
  touch Sources/CBuildInfo/build_info.c
fi
