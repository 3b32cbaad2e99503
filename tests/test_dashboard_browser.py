"""The dashboard in a real browser: Debian's Chromium driven by Playwright.

Starts ``cspsim dashboard`` on 127.0.0.1 (a free port) as a subprocess, loads the page,
moves a lever's slider, presses Step several times, and checks that the plots changed and
no error is shown. Screenshots and step timings go to ``test-artifacts/`` (git-ignored).
Never downloads a browser: without /usr/bin/chromium the test fails and says to run
./scripts/bootstrap.sh.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from cspsim.cli.dashboard import free_port
from cspsim.dashboard.assets import missing_assets
from cspsim.dashboard.browser import CHROMIUM, TIMEOUT_MS, chromium_path, launch
from cspsim.paths import REPO_DIR

ARTIFACTS = REPO_DIR / "test-artifacts"
pytestmark = pytest.mark.slow


def _chromium() -> str:
    path = chromium_path()
    if not path:
        pytest.fail(
            f"Debian's chromium is not installed ({CHROMIUM} not found): run "
            "./scripts/bootstrap.sh (as root it runs `apt-get install chromium`). "
            "The test never downloads a browser."
        )
    missing = missing_assets()
    if missing:
        pytest.fail(
            "the dashboard page's browser files are missing ("
            + ", ".join(a.folder for a in missing)
            + "): run ./scripts/bootstrap.sh (it fetches them with npm)"
        )
    return path


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``cspsim dashboard`` on a free port; stopped (SIGTERM, then SIGKILL) afterwards."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    log = (ARTIFACTS / "dashboard_server.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cspsim", "dashboard", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so teardown reaches the server
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"dashboard exited early; see {log.name}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"dashboard did not start within 60 s; see {log.name}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    path = _chromium()
    with sync_playwright() as p:
        b = launch(p, path)
        yield b
        b.close()


def _canvases(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('canvas')].map(c => c.toDataURL())")


def _quarter(page) -> str:
    return page.locator(".cspsim-quarter").inner_text()


def _step(page, n: int) -> list[float]:
    """Press Step ``n`` times; the seconds from each click to the new quarter on screen."""
    times = []
    for _ in range(n):
        before = _quarter(page)
        t0 = time.perf_counter()
        for attempt in range(3):  # a click can be lost while the sidebar is remounted
            page.get_by_role("button", name="Step").click()
            try:
                page.wait_for_function(
                    "b => document.querySelector('.cspsim-quarter').innerText !== b",
                    arg=before,
                    timeout=10_000 if attempt < 2 else TIMEOUT_MS,
                )
                break
            except PlaywrightTimeout:
                page.screenshot(path=str(ARTIFACTS / "dashboard_failed_step.png"))
                if attempt == 2:
                    raise
        times.append(time.perf_counter() - t0)
    return times


def _no_error_shown(page, page_errors: list[str]) -> None:
    assert not page_errors, page_errors
    assert page.locator(".v-alert").count() == 0, page.locator(".v-alert").all_inner_texts()
    body = page.inner_text("body")
    for word in ("Traceback", "error in step", "Not applied"):
        assert word not in body


def test_dashboard_in_chromium(server, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    page.set_default_timeout(TIMEOUT_MS)
    page_errors: list[str] = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.goto(server)
    page.wait_for_selector(".cspsim-quarter")
    page.wait_for_function("() => document.querySelectorAll('canvas').length >= 5")
    page.wait_for_timeout(1500)  # let the charts draw
    assert "before the first quarter" in _quarter(page)
    first = _canvases(page)

    # Move a lever's slider with the keyboard: a 10% cut to council budgets.
    thumb = page.locator(".cspsim-lever-cut_pct__council [role=slider]")
    thumb.focus()
    for _ in range(10):
        thumb.press("ArrowRight")
    page.get_by_text("Cut to councils (%): 10").wait_for()
    times = _step(page, 6)
    assert "(6 of 63)" in _quarter(page)
    page.wait_for_timeout(1000)
    after = _canvases(page)
    changed = sum(a != b for a, b in zip(first, after, strict=False))
    assert changed >= 4, f"only {changed} of {len(after)} plots changed after stepping"
    _no_error_shown(page, page_errors)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))

    # A lesson on the national model: the page stays responsive while it steps.
    page.locator(".v-select", has_text="Lesson").first.click()
    page.locator(".v-list-item", has_text="The backbone investment").click()
    page.wait_for_function(
        "() => document.querySelector('.cspsim-quarter').innerText.includes('before the first')"
    )
    page.get_by_text("Time: 0.0").wait_for()  # Mesa's controller for the new run is in place
    page.wait_for_timeout(500)
    national = _step(page, 4)
    page.wait_for_timeout(1000)
    _no_error_shown(page, page_errors)
    page.screenshot(path=str(ARTIFACTS / "dashboard_national.png"))
    timing = {
        "single_area_step_seconds": times,
        "national_step_seconds": national,
        "note": "click on Step to the new quarter on screen (server step, plots, network)",
    }
    (ARTIFACTS / "dashboard_timing.json").write_text(json.dumps(timing, indent=1))
    assert sorted(times)[len(times) // 2] < 2.0 and sorted(national)[len(national) // 2] < 3.0
    page.close()
