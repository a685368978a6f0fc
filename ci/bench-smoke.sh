#!/usr/bin/env bash
# Benchmark smoke test: every workload of bench/README.md at tiny sizes, ember only. Fails if a
# run crashes, times out, prints no result, or reports anything but ok/unsupported (for ember a
# starved fairness run or an unobserved kill is a regression).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 bench/run.py --smoke
