"""Time the trainer dashboard in Chromium: Step latency and play rate, single area and national.

Usage: ``.venv/bin/python benchmarks/bench_dashboard.py [--steps 20]``. Starts ``cspsim
dashboard`` on a free port, drives Debian's Chromium (/usr/bin/chromium) and prints, for
Cleveland (4 CSPs) and England (real England, one force area drawn):

- Step latency: from the click (dispatched in the page) to the new quarter in the DOM,
  measured in the page with ``performance.now()`` and a MutationObserver; this covers the
  round trip, the model step, the outcomes, building every plot and the page update;
- the server's own time per step (model step, and building the plots), as the page shows;
- play rate: quarters per second with Mesa's play interval at its minimum.
Writes ``test-artifacts/dashboard_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from cspsim.cli.dashboard import free_port  # noqa: E402
from cspsim.dashboard.browser import launch, open_dashboard, start_server  # noqa: E402

STEP_JS = """async () => {
  const q = document.querySelector('.cspsim-quarter');
  const before = q.innerText;
  const btn = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'STEP');
  const t0 = performance.now();
  await new Promise(resolve => {
    const obs = new MutationObserver(() => {
      if (q.isConnected && q.innerText !== before) { obs.disconnect(); resolve(); }
      const q2 = document.querySelector('.cspsim-quarter');
      if (q2 !== q && q2.innerText !== before) { obs.disconnect(); resolve(); }
    });
    obs.observe(document.body, {subtree: true, childList: true, characterData: true});
    btn.click();
  });
  await new Promise(r => requestAnimationFrame(() => r()));
  return performance.now() - t0;
}"""


def _quarter_index(page) -> int:
    m = re.search(r"\((\d+) of", page.locator(".cspsim-quarter").inner_text())
    return int(m.group(1)) if m else 0


def _server_times(page) -> tuple[float, float]:
    text = page.inner_text("body")
    m = re.search(r"step ([\d.]+) ms · plots ([\d.]+) ms", text)
    return (float(m.group(1)), float(m.group(2))) if m else (float("nan"), float("nan"))


def measure(page, steps: int) -> dict:
    """Step latency, server times and play rate on the page's current scenario."""
    page.wait_for_timeout(1000)
    latencies, server = [], []
    for _ in range(steps):
        latencies.append(page.evaluate(STEP_JS))
        server.append(_server_times(page))
    thumb = page.locator("[role=slider]").first  # the pause between quarters while playing
    thumb.focus()
    thumb.press("Home")
    page.wait_for_timeout(300)
    start = _quarter_index(page)
    page.get_by_role("button", name="▶").click()
    t0 = time.perf_counter()
    try:  # play to the last quarter (the play button is disabled then)
        page.wait_for_function(
            "() => /\\((\\d+) of \\1\\)/.test(document.querySelector('.cspsim-quarter').innerText)",
            timeout=30_000,
        )
    except Exception:  # still playing after 30 s: pause (unless it has just finished)
        page.evaluate(
            "() => { const b = [...document.querySelectorAll('button')]"
            ".find(x => x.innerText.trim() === '❚❚'); if (b && !b.disabled) b.click(); }"
        )
        page.wait_for_timeout(500)
    rate = (_quarter_index(page) - start) / (time.perf_counter() - t0)
    return {
        "step_latency_ms_median": round(statistics.median(latencies), 1),
        "step_latency_ms_p90": round(sorted(latencies)[int(0.9 * len(latencies))], 1),
        "server_step_ms_median": statistics.median(s for s, _ in server),
        "server_plots_ms_median": statistics.median(p for _, p in server),
        "play_quarters_per_second": round(rate, 1),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20)
    args = p.parse_args()
    port = free_port()
    proc = start_server(port)
    results = {}
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = open_dashboard(browser, port, 1600, 1200)
            results["cleveland (4 CSPs)"] = measure(page, args.steps)
            page.locator(".v-select", has_text="Scenario").first.click()
            page.locator(".v-list-item", has_text="baseline (baseline.toml)").click()
            page.wait_for_function(
                "() => document.querySelector('.cspsim-quarter').innerText.includes('of 63')"
                " && document.querySelector('.cspsim-quarter').innerText.includes('before')"
            )
            results["england (real England, one force area drawn)"] = measure(page, args.steps)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    out = REPO / "test-artifacts" / "dashboard_bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    for name, r in results.items():
        print(f"{name}: {r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
