#!/usr/bin/env bash
# Run each cargo-fuzz target for a bounded time, starting from (and adding
# to a copy of) its corpus in fuzz/corpus/<target>. Stable Rust only is
# here: cargo-fuzz runs with RUSTC_BOOTSTRAP=1 and without sanitizers
# (`-s none`); libFuzzer's coverage guidance still works. A crash, or an
# input that takes over 10 s (a denial of service), fails the run and
# prints the input: add it to fuzz/corpus/<target>/ and fix,
# and the corpus test (fuzz/tests/corpus.rs) keeps it fixed.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET [TARGET...]]   (default 20, CI's targets)
#
# CI's targets leave out hcl_pre_check, the differential check of the
# bracket pre-check against hcl-edit (see fuzz/src/lib.rs): run it by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
tools="$PWD/.tools/cargo"
export PATH="$tools/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
  echo "fuzz: installing cargo-fuzz from crates.io" >&2
  cargo install cargo-fuzz --locked --quiet --root "$tools"
fi
export RUSTC_BOOTSTRAP=1
# Its own target folder: the instrumented build shares nothing with ours.
export CARGO_TARGET_DIR="$PWD/target/fuzz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
targets=(archive hcl_module constraint lock_file docs_config)
if (($#)); then targets=("$@"); fi
cargo fuzz build --fuzz-dir fuzz/targets -s none --release
for t in "${targets[@]}"; do
  echo "--- fuzz $t for ${seconds}s"
  mkdir -p "$work/$t"
  cp fuzz/corpus/"$t"/* "$work/$t/"
  if ! cargo fuzz run --fuzz-dir fuzz/targets -s none --release "$t" "$work/$t" -- \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 >"$work/$t.log" 2>&1; then
    tail -n 60 "$work/$t.log"
    echo "fuzz: $t found a crash or an input slower than 10 s (artifacts under fuzz/targets/artifacts/$t)" >&2
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$t.log" | tr '\n' ' '
  echo
done
