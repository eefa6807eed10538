#!/usr/bin/env bash
# A/B wall-clock check of two prof binaries on one case, interleaved, min of R runs:
#   scripts/abtime.sh OLD_BIN NEW_BIN Model dir mode [iters] [who]
set -euo pipefail
old=$1 new=$2; shift 2
R=${R:-7}
best() { sort -g | head -1; }
a=(); b=()
for _ in $(seq "$R"); do
  a+=("$("$old" "$@" | awk '{print $(NF-1)}')")
  b+=("$("$new" "$@" | awk '{print $(NF-1)}')")
done
ma=$(printf '%s\n' "${a[@]}" | best); mb=$(printf '%s\n' "${b[@]}" | best)
echo "$* old=$ma new=$mb new/old=$(echo "$mb / $ma" | bc -l | cut -c1-5)"
