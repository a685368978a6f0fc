#!/usr/bin/env bash
# Formatting check: the tree must be rustfmt-clean.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
