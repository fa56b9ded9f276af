#!/usr/bin/env bash
# One command from a fresh clone: set up, run the baseline scenario, print its summary and
# write its figure (runs/baseline/plots/concentration.png).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(bash scripts/setup.sh)
"$venv/bin/labsim" run scenarios/baseline.yaml --out runs/baseline --plot --overwrite
echo "figure: runs/baseline/plots/concentration.png"
