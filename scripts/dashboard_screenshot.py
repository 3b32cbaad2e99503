"""Make docs/img/dashboard.png: the "Merge or not?" lesson played to 2018, in Chromium.

Usage: ``.venv/bin/python scripts/dashboard_screenshot.py [--out docs/img/dashboard.png]``.
Starts ``cspsim dashboard`` on a free port, drives Debian's Chromium, and saves a
palette PNG (small enough to commit).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from cspsim.cli.dashboard import free_port  # noqa: E402
from cspsim.dashboard.browser import launch, open_dashboard, start_server  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(REPO / "docs" / "img" / "dashboard.png"))
    p.add_argument("--quarters", type=int, default=37)
    p.add_argument("--width", type=int, default=1600)
    p.add_argument("--height", type=int, default=1700)
    args = p.parse_args()
    port = free_port()
    proc = start_server(port)
    raw = Path(args.out).with_suffix(".raw.png")
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = open_dashboard(browser, port, args.width, args.height)
            page.locator(".cspsim-lesson-menu").click()
            page.locator(".cspsim-lesson-list button", has_text="Merge or not?").click()
            page.wait_for_function(
                "() => document.body.innerText.includes('Merge or not?')"
                " && document.querySelector('.cspsim-quarter').innerText.includes('before')"
            )
            page.wait_for_timeout(800)
            for k in range(1, args.quarters + 1):
                page.get_by_role("button", name="Step").click()
                page.wait_for_function(
                    "k => document.querySelector('.cspsim-quarter').innerText.includes(`(${k} of`)",
                    arg=k,
                )
            page.wait_for_timeout(1500)
            page.screenshot(path=str(raw))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    img = Image.open(raw).convert("RGB")
    img = img.resize((img.width * 3 // 4, img.height * 3 // 4), Image.LANCZOS)
    img.save(args.out, optimize=True)
    if Path(args.out).stat().st_size > 290_000:  # keep the committed image small
        img.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
            args.out, optimize=True
        )
    raw.unlink()
    print(f"{args.out}: {Path(args.out).stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
