#!/usr/bin/env bash
# Differential conformance suite (conformance/README.md): ember's trace of every scenario
# against the committed OTP golden trace. Fails on any difference not listed in
# conformance/KNOWN_DIFFERENCES.md. About 40 s plus the build.
#
# The interpreter is built in the dev profile: it reuses the dependencies ci/test.sh built,
# and the scenarios' timing windows are generous. OTP itself is not re-run here (that needs
# erl and elixir, and is `conformance/run.sh --erlang-only`'s job); set CONFORMANCE_OTP=1 to
# re-run it too.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p ember-conformance
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
export EMBER_CONFORMANCE_BIN="$target_dir/debug/ember-conformance"

if [ "${CONFORMANCE_OTP:-0}" = 1 ]; then
  conformance/run.sh --no-build
else
  conformance/run.sh --no-build --no-erlang
fi
