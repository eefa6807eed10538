#!/usr/bin/env bash
# A bounded fuzz pass over every target: `fuzz/run_short.sh [SECONDS]` (default 60 each).
# Each target starts from its seed corpus in fuzz/corpus/<target> plus a scratch
# corpus, so the committed corpus stays small. A crash stops the pass with a
# non-zero exit and prints the reproducer's path; copy it into tests/regression/
# to keep it as a regression test.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
# libFuzzer needs nightly flags (-Zsanitizer); the stable toolchain accepts them this way.
export RUSTC_BOOTSTRAP=1

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
targets=$(cargo fuzz list)
cargo fuzz build
for t in $targets; do
  mkdir -p "$scratch/$t" "artifacts/$t"
  echo "== fuzz $t for ${secs}s"
  if ! cargo fuzz run "$t" "$scratch/$t" "corpus/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
      >"$scratch/$t.log" 2>&1; then
    tail -40 "$scratch/$t.log"
    echo "fuzz target $t FAILED; reproducer(s):"
    ls -1 "$PWD/artifacts/$t"/* 2>/dev/null || true
    exit 1
  fi
  grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$scratch/$t.log" | tail -1
done
echo "fuzz: all targets clean"
