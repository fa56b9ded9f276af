#!/usr/bin/env bash
# Lint, format check and the test suite, in .venv (created if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(bash scripts/setup.sh)
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
"$venv/bin/python" -m pytest -q "$@"
