#!/usr/bin/env bash
# Miri (issue #6, part 3): the unsafe code of ember-rt — process/raw.rs (FutureCell, WakerRef)
# and scheduler/os.rs — under Miri's undefined-behaviour checker, when this machine has a
# nightly toolchain with the miri component. Where it has not (the CI image ships the stable
# toolchain only, and nothing can be downloaded), this says so and passes: ci/memcheck.sh runs
# the same tests under valgrind instead.
#
# Miri runs the spawn/poll/wake/kill tests of ember-rt. It needs the host clock and thread
# clocks (isolation off), and the runtime's threads outlive some tests' harness (leaks ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo +nightly miri --version >/dev/null 2>&1; then
  echo "ci/miri.sh: Miri is not available on this toolchain (no nightly toolchain with the" \
    "miri component): skipped. ci/memcheck.sh checks the unsafe code with valgrind instead."
  exit 0
fi

cargo +nightly miri --version
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation -Zmiri-ignore-leaks}"
cargo +nightly miri test -p ember-rt --test processes --test links --test kill_running
