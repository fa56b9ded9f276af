#!/usr/bin/env bash
# Creates .venv with a Python >= 3.12 and installs labsim with its test tools and the
# forecast extra (EMA Workbench for labsim discover).
# Usage: bash scripts/setup.sh   (VENV=path to put the environment elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
  python=$(bash scripts/find-python.sh)
  echo "creating $venv with $python" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip >&2
"$venv/bin/python" -m pip install --quiet -e ".[dev,forecast]" >&2
echo "$venv"
