#!/usr/bin/env bash
# Model checking of the lock-protocol pieces (inbox queue, scheduling state machine) with loom.
set -euo pipefail
cd "$(dirname "$0")/.."
tests=()
for t in crates/ember-rt/tests/loom_*.rs; do
  [ -e "$t" ] && tests+=(--test "$(basename "$t" .rs)")
done
if [ ${#tests[@]} -eq 0 ]; then
  echo "ci/loom.sh: no loom tests found" >&2
  exit 1
fi
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=3 \
  cargo test -p ember-rt --release "${tests[@]}"
