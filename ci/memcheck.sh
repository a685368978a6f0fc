#!/usr/bin/env bash
# Memcheck (issue #6, part 3): the unsafe code of ember-rt — process/raw.rs (FutureCell: the
# lock-free future slot; WakerRef: the borrowed waker and its vtable) and scheduler/os.rs (libc
# thread calls) — under valgrind's memcheck. The test binaries chosen drive those paths hardest:
# spawn, poll, wake (from workers, timers and other threads), kill of queued and running
# processes, exit signals through links, monitors, panics caught at a poll, dirty pools, and
# runtime shutdown dropping every future. Any invalid read or write, use of uninitialised
# memory, or bad free makes valgrind exit 1 and fails this step. Leak checking is off: a runtime
# shut down at the end of a test leaves nothing, but the test harness and detached threads do.
#
# Left out: crash_isolation (10,000 panics, past its own 60 s hang guard under valgrind),
# timers and fairness (their timing assertions do not hold at valgrind's speed), io.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind
fi

tests=(processes links monitors kill_running registry scheduler introspection dirty)
args=()
for t in "${tests[@]}"; do args+=(--test "$t"); done

# Build the test binaries (dev profile: full debug info for valgrind's reports) and list them.
mapfile -t bins < <(cargo test -q -p ember-rt "${args[@]}" --no-run --message-format=json |
  grep -o '"executable":"[^"]*"' | cut -d'"' -f4)
if [ ${#bins[@]} -ne ${#tests[@]} ]; then
  echo "ci/memcheck.sh: expected ${#tests[@]} test binaries, found ${#bins[@]}" >&2
  exit 1
fi

cd crates/ember-rt # where `cargo test` runs them
for bin in "${bins[@]}"; do
  echo "--- memcheck $(basename "$bin")"
  timeout 900 valgrind --tool=memcheck --error-exitcode=1 --leak-check=no --fair-sched=yes -q \
    "$bin" -q
done
echo "ci/memcheck.sh: no memcheck errors in ${#bins[@]} test binaries"
