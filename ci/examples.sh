#!/usr/bin/env bash
# Examples must run, and the demo's output is checked line by line.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f crates/ember/examples/rate_limiter.rs ]; then
  out=$(timeout 120 cargo run -q --release -p ember --example rate_limiter)
  expected=$'request -> ok\nrequest -> ok\nrequest -> ok\nrequest -> ok\nrequest -> ok\nrequest -> rate_limited\nkill -> true\nrequest -> ok\nrestarts=1'
  if [ "$out" != "$expected" ]; then
    echo "rate_limiter output differs:"; diff <(echo "$expected") <(echo "$out") || true
    exit 1
  fi
  echo "rate_limiter: output as expected"
fi
timeout 120 cargo run -q --release -p ember-rt --example ring -- 100 100
