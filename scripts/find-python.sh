#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter, or explains and exits 1.
# $PYTHON wins if it is set and new enough. Otherwise the newest of python3.x/python3/python
# on PATH and pyenv's and uv's installed versions (without changing which version pyenv
# selects): labsim runs about 10% faster on Python 3.13 than on 3.12.
set -u
version_of() {
  "$1" -c 'import sys; v = sys.version_info; print(v[0] * 100 + v[1] if v >= (3, 12) else 0)' \
    2>/dev/null || echo 0
}
if [ -n "${PYTHON:-}" ]; then
  if [ "$(version_of "$PYTHON")" -gt 0 ]; then
    "$PYTHON" -c 'import sys; print(sys.executable)'
    exit 0
  fi
  echo "PYTHON=$PYTHON is not a Python 3.12 or newer; looking for one elsewhere." >&2
fi
candidates=()
for name in python3.14 python3.13 python3.12 python3 python; do
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
best="" best_version=0
for c in "${candidates[@]}"; do
  [ -x "$c" ] || continue
  v=$(version_of "$c")
  # Alpha and beta releases (3.15.0a1...) are not for running studies on.
  "$c" -c 'import sys; sys.exit(sys.version_info.releaselevel != "final")' 2>/dev/null || continue
  if [ "$v" -gt "$best_version" ]; then
    best="$c" best_version="$v"
  fi
done
if [ -n "$best" ]; then
  "$best" -c 'import sys; print(sys.executable)'
  exit 0
fi
echo "labsim needs Python 3.12 or newer (Mesa 3.5 requires it), and none was found." >&2
echo "Install one (python.org, your package manager, 'pyenv install 3.12', or 'uv python install 3.12')," >&2
echo "or point PYTHON at it: PYTHON=/path/to/python3.12 $0" >&2
exit 1
