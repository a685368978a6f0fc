#!/usr/bin/env bash
# The test command of README.md: unit, integration and doc tests of the whole workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace
