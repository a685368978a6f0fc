#!/usr/bin/env bash
# Lints: clippy on every target of the workspace, warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo clippy --workspace --all-targets -- -D warnings
