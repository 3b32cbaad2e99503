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
import re
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


def _pick_lesson(page, title: str) -> None:
    """Choose ``title`` from the lesson menu and wait for its first quarter."""
    page.locator(".cspsim-lesson-menu").click()
    page.locator(".cspsim-lesson-list button", has_text=title).click()
    page.wait_for_function(
        "t => document.querySelector('.cspsim-quarter').innerText.includes('before the first')"
        " && document.body.innerText.includes(t)",
        arg=title,
    )


def _headline(page, label: str) -> tuple[str, str]:
    """A headline cell's value and its "baseline … · difference" line."""
    cell = page.locator(".cspsim-headline .cspsim-cell", has_text=label).first
    return cell.locator(".cspsim-value").inner_text(), cell.locator(".cspsim-ref").inner_text()


def _slider(page, lever: str, key: str, times: int = 1) -> None:
    thumb = page.locator(f".cspsim-lever-{lever} [role=slider]")
    thumb.focus()
    for _ in range(times):
        thumb.press(key)


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
    page.get_by_text("Cut to councils (%): 10", exact=True).wait_for()
    times = _step(page, 6)
    assert "(6 of 63)" in _quarter(page)
    page.wait_for_timeout(1000)
    after = _canvases(page)
    changed = sum(a != b for a, b in zip(first, after, strict=False))
    assert changed >= 4, f"only {changed} of {len(after)} plots changed after stepping"
    _no_error_shown(page, page_errors)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))

    # A lesson on the national model: the page stays responsive while it steps.
    _pick_lesson(page, "The backbone investment")
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
    # Timings are recorded, not asserted: speed is benchmarks/bench_dashboard.py's.
    (ARTIFACTS / "dashboard_timing.json").write_text(json.dumps(timing, indent=1))
    page.close()


def _only_local(requests: list[str]) -> None:
    """Every request the page made went to 127.0.0.1 (no CDN, no fonts, no telemetry)."""
    from urllib.parse import urlparse

    remote = [
        u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
        and urlparse(u).hostname != "127.0.0.1"
    ]  # fmt: skip
    assert requests and not remote, remote[:5]


def _new_page(browser, width: int, height: int, scale: float = 1.0):
    ctx = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale
    )
    page = ctx.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    return ctx, page, requests


def test_a_cut_moves_share_met_within_two_steps_and_reset_lesson(server, browser):
    """A trainer at 2016 Q4 sets a 30% cut to councils: share met moves away from the
    baseline within two steps (the unset start year follows the current quarter). Then the
    squeeze lesson: its levers wiped by hand come back with "Reset lesson"."""
    ctx, page, requests = _new_page(browser, 1280, 800)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server)
    page.wait_for_function("() => document.querySelectorAll('canvas').length >= 5")
    _step(page, 31)
    assert "2016 Q4" in _quarter(page)
    _slider(page, "cut_pct__council", "ArrowRight", 30)
    page.get_by_text("Cut to councils (%): 30", exact=True).wait_for()
    page.get_by_text("…starting in (year): 2016", exact=True).wait_for()
    _step(page, 2)
    now, ref = _headline(page, "Demand met")
    assert "±" not in ref and "−" in ref, (now, ref)  # below the baseline, by some points
    page.screenshot(path=str(ARTIFACTS / "dashboard_cut.png"))

    _pick_lesson(page, "The 2010s squeeze")
    page.get_by_text("Cut to councils (%): 32.6", exact=True).wait_for()
    _step(page, 3)
    _slider(page, "cut_pct__council", "Home")
    _slider(page, "cut_pct__police", "Home")
    page.get_by_text("Cut to councils (%): 0", exact=True).wait_for()
    page.locator(".cspsim-reset-lesson").click()
    page.get_by_text("Cut to councils (%): 32.6", exact=True).wait_for()
    page.get_by_text("Cut to police (%): 14.8", exact=True).wait_for()
    assert "before the first quarter" in _quarter(page)
    _step(page, 1)  # the fresh run steps
    _no_error_shown(page, errors)
    page.screenshot(path=str(ARTIFACTS / "dashboard_reset_lesson.png"))
    _only_local(requests)
    ctx.close()


@pytest.mark.parametrize(
    ("width", "height", "scale"),
    [(1024, 768, 1.0), (1280, 720, 1.5)],  # 1920x1080 at 150% zoom is 1280x720 CSS pixels
    ids=["1024x768", "1920x1080-150pct"],
)
def test_layout_shows_controls_headline_and_a_chart_without_scrolling(
    server, browser, width, height, scale
):
    ctx, page, requests = _new_page(browser, width, height, scale)
    page.goto(server)
    page.wait_for_function("() => document.querySelectorAll('canvas').length >= 5")
    page.wait_for_timeout(1000)
    _step(page, 4)
    boxes = page.evaluate(
        """() => {
        const box = e => { const r = e.getBoundingClientRect();
          return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
        const button = t => [...document.querySelectorAll('button')]
          .find(b => b.innerText.trim().toUpperCase() === t);
        const icon = document.querySelector('.v-app-bar-nav-icon .v-btn__content');
        return {
          step: box(button('STEP')), play: box(button('▶')),
          headline: box(document.querySelector('.cspsim-headline')),
          chart: box(document.querySelector('.cspsim-chart-share canvas')),
          sidebar: box(document.querySelector('.v-navigation-drawer')),
          icon: getComputedStyle(icon, '::before').content,
          dark: document.querySelectorAll('.mdi-brightness-auto, .mdi-weather-night').length,
          width: innerWidth, height: innerHeight,
        }; }"""
    )
    for name in ("step", "play", "headline", "chart"):
        b = boxes[name]
        assert b["top"] >= 0 and b["bottom"] <= boxes["height"], (name, b)
        assert b["left"] >= 0 and b["right"] <= boxes["width"], (name, b)
    assert boxes["sidebar"]["right"] <= boxes["chart"]["left"]  # beside the plots, not over
    assert boxes["icon"] not in ("none", "normal", "")  # the menu button has its icon
    assert boxes["dark"] == 0  # light theme only
    # Scrolled down to the levers, Play and Step are still in view.
    scroll_js = """y => { let e = document.querySelector('.cspsim-headline');
        while (e && !(e.scrollHeight > e.clientHeight + 10
               && getComputedStyle(e).overflowY === 'auto')) e = e.parentElement;
        (e || document.scrollingElement).scrollTo(0, y); }"""
    page.evaluate(scroll_js, 900)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"dashboard_{width}x{height}_scrolled.png"))
    headline = page.locator(".cspsim-headline").bounding_box()
    assert headline is not None and headline["y"] < 0  # the page did scroll
    step = page.get_by_role("button", name="Step").bounding_box()
    assert step is not None and step["y"] >= 0 and step["y"] + step["height"] <= height
    page.evaluate(scroll_js, 0)
    page.screenshot(path=str(ARTIFACTS / f"dashboard_{width}x{height}.png"))
    _only_local(requests)
    ctx.close()


# The ECharts instance drawn in the card ``sel`` (ECharts is loaded with require.js).
_INSTANCE_JS = r"""
  const key = Object.keys(window.requirejs.s.contexts._.defined)
    .find(k => /echarts(\.min)?\.js$/.test(k));
  const ec = window.requirejs(key);
  const inst = [...document.querySelectorAll(sel + ' div')]
    .map(d => ec.getInstanceByDom(d)).find(Boolean);
"""
# The network's node labels as ECharts drew them (boxes in the chart's pixels).
LABEL_BOXES_JS = (
    "(sel) => {"
    + _INSTANCE_JS
    + r"""
  const boxes = [];
  const data = inst.getModel().getSeriesByType('graph')[0].getData();
  for (let i = 0; i < data.count(); i++) {
    const el = data.getItemGraphicEl(i);
    let t = null;
    if (el) el.traverse(c => {
      if (!t && c.getTextContent && c.getTextContent()) t = c.getTextContent();
    });
    if (!t || t.ignore || t.invisible) continue;
    const r = t.getBoundingRect().clone();
    r.applyTransform(t.getComputedTransform());
    boxes.push({text: t.style.text, x: r.x, y: r.y, w: r.width, h: r.height});
  }
  return {boxes, width: inst.getWidth(), height: inst.getHeight()};
}"""
)
MAP_DATA_JS = (
    "(sel) => {"
    + _INSTANCE_JS
    + r"""
  const data = inst.getModel().getSeriesByIndex(0).getData();
  const out = [];
  for (let i = 0; i < data.count(); i++) out.push([data.getName(i), data.get('value', i)]);
  return out;
}"""
)
LEGEND_JS = "(sel) => {" + _INSTANCE_JS + "return inst.getOption().legend[0].data; }"


def _overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes meet (each box at least a 16 px line high)."""
    rects = []
    for b in boxes:
        mid, h = b["y"] + b["h"] / 2, max(b["h"], 16.0)
        rects.append((b["text"], b["x"], b["x"] + b["w"], mid - h / 2, mid + h / 2))
    return [
        (a[0], b[0])
        for i, a in enumerate(rects)
        for b in rects[i + 1 :]
        if a[1] < b[2] and b[1] < a[2] and a[3] < b[4] and b[3] < a[4]
    ]


def test_map_with_names_and_a_readable_network(server, browser):
    """Kent (real places): the map draws every council with its name on hover and the ONS
    attribution. The network of a merged CSP and of a national force area: no two labels
    overlap, and the key names each kind of node."""
    ctx, page, requests = _new_page(browser, 1280, 900)
    page.goto(server)
    page.wait_for_function("() => document.querySelectorAll('canvas').length >= 5")
    page.locator(".v-select", has_text="Scenario").first.click()
    page.locator(".v-list-item", has_text="kent (kent.toml)").click()
    page.wait_for_function("() => document.body.innerText.includes('Kent police force area')")
    _step(page, 6)
    card = page.locator(".cspsim-chart-map")
    card.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    names = page.evaluate(MAP_DATA_JS, ".cspsim-chart-map")
    assert len(names) == 13 and {"Medway", "Canterbury", "Dover"} <= {n for n, _ in names}
    assert all(v is not None for _, v in names)  # shaded: every council has a value
    box = card.locator("canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6)
    page.wait_for_timeout(500)
    tip = page.get_by_text(re.compile(r"demand met [\d.]+% \(baseline")).first
    tip.wait_for()  # the tooltip of the council under the mouse: its real name and values
    assert any(n in tip.inner_text() for n, _ in names), tip.inner_text()
    assert "Contains OS data" in page.inner_text("body") or "ONS" in page.inner_text("body")
    card.screenshot(path=str(ARTIFACTS / "dashboard_map_kent.png"))

    for title, steps, shot in (
        ("Merge or not?", 24, "merged"),
        ("The backbone investment", 2, "national"),
    ):
        _pick_lesson(page, title)
        _step(page, steps)
        net = page.locator(".cspsim-chart-network")
        net.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        found = page.evaluate(LABEL_BOXES_JS, ".cspsim-chart-network")
        assert len(found["boxes"]) >= 5, found
        assert not _overlaps(found["boxes"]), _overlaps(found["boxes"])[:5]
        net.screenshot(path=str(ARTIFACTS / f"dashboard_network_{shot}.png"))
        legend = page.evaluate(LEGEND_JS, ".cspsim-chart-network")
        assert "CSP" in legend and "Police" in legend, legend
    _only_local(requests)
    ctx.close()


def test_export_a_chart_as_png_and_the_run_as_csv(server, browser, tmp_path):
    """The share plot's "save as image" button downloads a PNG; "Download this run (CSV)"
    downloads the run against the baseline, one row per quarter so far."""
    ctx, page, requests = _new_page(browser, 1280, 800)
    page.goto(server)
    page.wait_for_function("() => document.querySelectorAll('canvas').length >= 5")
    page.wait_for_timeout(1000)
    _step(page, 5)
    page.wait_for_timeout(800)
    chart = page.locator(".cspsim-chart-share canvas").first.bounding_box()
    with page.expect_download() as png:
        # The toolbox icon: 20 px, 12 px from the right edge, 4 px from the top.
        page.mouse.click(chart["x"] + chart["width"] - 22, chart["y"] + 14)
    png_path = tmp_path / png.value.suggested_filename
    png.value.save_as(png_path)
    assert png_path.suffix == ".png" and png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "share" in png_path.name
    with page.expect_download() as csv_file:
        page.get_by_role("button", name="Download this run (CSV)").click()
    csv_path = tmp_path / "run.csv"
    csv_file.value.save_as(csv_path)
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("quarter,share_met_pct_run,share_met_pct_baseline,")
    assert len(lines) == 1 + 5  # a row per quarter so far
    (ARTIFACTS / png_path.name).write_bytes(png_path.read_bytes())
    _only_local(requests)
    ctx.close()
