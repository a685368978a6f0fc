#!/usr/bin/env bash
# Chaos soak, short mode (issue #6): a supervision tree of 2,000 GenServers under kills, panics
# and shutdowns for 5 s, then the checks of soak/src/main.rs — no leaked process, every call
# answered or failed with a typed error, restart intensity honoured (one sub-tree must give up,
# no other may), RSS back near its level. The long run is
# `cargo run --release -p ember-soak -- --seconds 600`; its figures are in README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p ember-soak
timeout 120 cargo run -q --release -p ember-soak -- --seconds 5 --workers 2000
