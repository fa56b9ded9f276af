#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter, or explains and exits 1.
# Looks at $PYTHON, then python3.13/python3.12/python3/python on PATH, then pyenv's and
# uv's installed versions (without changing which version pyenv selects).
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.12 python3.13 python3.14 python3 python; do
  path=$(command -v "$name" 2>/dev/null) && candidates+=("$path")
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for dir in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -V); do
    candidates+=("$dir/bin/python3")
  done
fi
for dir in $(ls -d "$HOME"/.local/share/uv/python/cpython-3.1[2-9]* 2>/dev/null | sort -V); do
  candidates+=("$dir/bin/python3")
done
for c in "${candidates[@]}"; do
  if [ -x "$c" ] || command -v "$c" >/dev/null 2>&1; then
    if ok "$c"; then
      "$c" -c 'import sys; print(sys.executable)'
      exit 0
    fi
  fi
done
echo "labsim needs Python 3.12 or newer (Mesa 3.5 requires it), and none was found." >&2
echo "Install one (python.org, your package manager, 'pyenv install 3.12', or 'uv python install 3.12')," >&2
echo "or point PYTHON at it: PYTHON=/path/to/python3.12 $0" >&2
exit 1
