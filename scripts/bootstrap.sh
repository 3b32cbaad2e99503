#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 found on this machine and install cspsim into it.
# Idempotent: re-running only re-installs when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local cand v
  for cand in python3.13 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1; then
      v=$("$cand" -c 'import sys; print(int(sys.version_info >= (3, 12)))' 2>/dev/null || echo 0)
      if [ "$v" = "1" ]; then command -v "$cand"; return 0; fi
    fi
  done
  # pyenv installs (not on PATH unless selected)
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  for cand in "$root"/versions/3.13*/bin/python3 "$root"/versions/3.12*/bin/python3; do
    if [ -x "$cand" ]; then echo "$cand"; return 0; fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PY=$(find_python) || { echo "error: cspsim needs Python >= 3.12; none found (tried python3.13, python3.12, python3, pyenv)" >&2; exit 1; }
  echo "Using $PY ($("$PY" --version))" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.cspsim-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e ".[dev]" >&2
  touch "$stamp"
fi
