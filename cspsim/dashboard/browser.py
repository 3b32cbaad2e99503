"""Debian's Chromium driven by Playwright, for the dashboard's browser test, benchmark and
screenshot script (one place for the flags this machine needs).

Playwright is a development dependency: import this module only where it is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("CSPSIM_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google, which this
# machine's closed network refuses; as root it needs --no-sandbox.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000


def chromium_path() -> str | None:
    """Path of the Chromium to drive (``$CSPSIM_CHROMIUM`` or Debian's), or None."""
    return CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")


def start_server(port: int) -> subprocess.Popen:
    """``cspsim dashboard`` on ``port`` in a child process (output discarded)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cspsim", "dashboard", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def launch(pw: Any, path: str | None = None, timeout_ms: int = TIMEOUT_MS) -> Any:
    """Start headless Chromium from a ``sync_playwright()`` context."""
    return pw.chromium.launch(
        executable_path=path or chromium_path() or CHROMIUM, args=CHROMIUM_ARGS, timeout=timeout_ms
    )


def open_dashboard(
    browser: Any, port: int, width: int, height: int, timeout_ms: int = TIMEOUT_MS
) -> Any:
    """A page on the dashboard at ``port``, once the server answers and the plots are drawn."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(timeout_ms)
    for _ in range(300):
        try:
            page.goto(f"http://127.0.0.1:{port}/")
            break
        except Exception:  # the server is still starting
            time.sleep(0.2)
    page.wait_for_function("() => document.querySelectorAll('canvas').length >= 5")
    return page
