#!/usr/bin/env bash
# Instructions per operation (callgrind), ours vs fory 1.7.7: deterministic,
# unlike wall-clock time on a shared VM. (I(2N) - I(N)) / N cancels setup.
#   scripts/icount.sh [BIN] [MODELS...]   (BIN defaults to target/release/examples/prof)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/examples/prof}
models=${*:-NumericStruct Sample MediaContent NumericStructList SampleList MediaContentList}
n=${N:-4000}
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 | awk '/refs:/ {gsub(",","",$NF); print $NF}'; }
per_op() { local a b; a=$(count "$1" "$2" "$3" "$n" "$4"); b=$(count "$1" "$2" "$3" $((2 * n)) "$4"); echo $(((b - a) / n)); }
# `view` (de rows only): the borrowing twin of the model (src/views.rs)
printf '%-18s %-4s %-10s %8s %8s %6s %8s %6s\n' model dir mode ours fory177 ratio view ratio
for m in $models; do
  for d in ser de; do
    for mode in consistent compat; do
      o=$(per_op "$m" "$d" "$mode" ours); p=$(per_op "$m" "$d" "$mode" peer)
      if [ "$d" = de ]; then
        v=$(per_op "$m" "$d" "$mode" view)
        printf '%-18s %-4s %-10s %8d %8d %6.2f %8d %6.2f\n' "$m" "$d" "$mode" "$o" "$p" "$(echo "$o / $p" | bc -l)" "$v" "$(echo "$v / $p" | bc -l)"
      else
        printf '%-18s %-4s %-10s %8d %8d %6.2f\n' "$m" "$d" "$mode" "$o" "$p" "$(echo "$o / $p" | bc -l)"
      fi
    done
  done
done
