#!/usr/bin/env bash
# Instruction counts of ember's hot paths with valgrind's callgrind: unlike times, they are the
# same run after run on a shared machine, so they show the effect of a change to the runtime.
# Prints instructions per hop of a 100-process ring (100 laps) and per spawn of 10,000 processes,
# each net of a run with no work (same binary, 1 lap / 1 process) to remove start-up costs.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; }
cargo build -q --release -p ember-rt --example ring --example spawn
dir=${CARGO_TARGET_DIR:-target}/release/examples

instr() { # total instructions executed by the command
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

base=$(instr "$dir/ring" 100 1)
full=$(instr "$dir/ring" 100 100)
echo "ring: $(( (full - base) / (100 * 99) )) instructions per hop (100 processes, 99 extra laps)"
base=$(instr "$dir/spawn" 1)
full=$(instr "$dir/spawn" 10000)
echo "spawn: $(( (full - base) / 9999 )) instructions per spawn + message + exit (10,000 processes)"
