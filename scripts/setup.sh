#!/usr/bin/env bash
# Creates .venv with a Python >= 3.12 and installs labsim with its test tools and the
# dashboard (`labsim app`) and the forecast extra (EMA Workbench for `labsim discover`), then
# caches the dashboard's browser assets (npm, once).
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
"$venv/bin/python" -m pip install --quiet -e ".[dev,app,forecast]" >&2
# The page's JavaScript and CSS, from the npm registry into the environment (skipped when
# already there; the app works without them where their CDN is reachable).
if ! "$venv/bin/python" -m analysis.app.assets --check >/dev/null 2>&1; then
  if command -v npm >/dev/null 2>&1; then
    "$venv/bin/python" -m analysis.app.assets >&2
  else
    echo "note: npm not found: the dashboard's browser assets are not cached (apt-get install npm)" >&2
  fi
fi
echo "$venv"
