#!/usr/bin/env bash
# Clean-build time of each 30-struct crate alone (its dependencies already
# built), release and dev, RUNS times each; prints seconds and binary size.
# Run from benchmarks/: compile/time.sh [RUNS]
set -euo pipefail
runs=${1:-2}
for p in compile-ours compile-fory177 compile-serde-bincode; do
  cargo build -q --release -p "$p"
  cargo build -q -p "$p"
  for profile in release dev; do
    flag=$([ "$profile" = release ] && echo --release || true)
    dir=$([ "$profile" = release ] && echo release || echo debug)
    times=()
    for _ in $(seq "$runs"); do
      cargo clean -q $flag -p "$p"
      s=$(date +%s.%N)
      cargo build -q $flag -p "$p"
      e=$(date +%s.%N)
      times+=("$(echo "$e - $s" | bc)")
    done
    size=$(stat -c %s "target/$dir/$p")
    echo "$p $profile: ${times[*]} s; binary $size B"
  done
done
