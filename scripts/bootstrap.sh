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

# The dashboard's browser test drives Debian's Chromium through Playwright (never a
# downloaded browser): install it when missing, if we are root and have apt-get.
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}
can_apt() { [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; }
if ! command -v chromium >/dev/null 2>&1 && can_apt; then
  echo "Installing Debian chromium (dashboard browser test)..." >&2
  apt_install chromium || echo "warning: could not install chromium" >&2
fi
# The dashboard page's front-end files (solara's app, ECharts) come from the npm registry,
# so the page also works where cdn.jsdelivr.net cannot be reached.
if ! .venv/bin/python -m cspsim.dashboard.assets check >/dev/null 2>&1; then
  if ! command -v npm >/dev/null 2>&1 && can_apt; then
    echo "Installing Debian npm (to fetch the dashboard's browser files)..." >&2
    apt_install npm || echo "warning: could not install npm" >&2
  fi
  .venv/bin/python -m cspsim.dashboard.assets fetch --quiet || true
fi
