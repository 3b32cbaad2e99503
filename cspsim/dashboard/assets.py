"""The browser files the dashboard page needs, fetched once from the npm registry.

Solara serves its front end (the Vue app, require.js, ECharts, icon fonts) through a local
"CDN proxy" folder, ``<venv>/share/solara/cdn``. Normally it fills that folder on demand
from cdn.jsdelivr.net; where that site cannot be reached (CI, a training room behind a
firewall) the page stays blank. ``fetch`` fills the folder ahead of time from the npm
registry with the npm client, so the dashboard works offline afterwards. The package
versions are read from the installed solara, so they follow a solara upgrade.

Run ``python -m cspsim.dashboard.assets fetch`` (``scripts/bootstrap.sh`` does it) or
``python -m cspsim.dashboard.assets check``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# (npm package, version used when the installed solara does not name one, files to keep).
_PACKAGES = (
    ("@widgetti/solara-vuetify3-app", "5.2.0", ("dist/",)),
    ("@widgetti/solara-vuetify-app", "10.1.1", ("dist/",)),
    ("requirejs", "2.3.6", ("require.js",)),
    ("font-awesome", "4.5.0", ("css/", "fonts/")),
    ("echarts", "5.4.0", ("dist/echarts.js", "dist/echarts.min.js")),
    ("mermaid", "10.8.0", ("dist/mermaid.min.js",)),
)
# A file that proves each package was unpacked (relative to the package folder).
_PROBE = {
    "@widgetti/solara-vuetify3-app": "dist/solara-vuetify-app8.js",
    "@widgetti/solara-vuetify-app": "dist/solara-vuetify-app8.js",
    "requirejs": "require.js",
    "font-awesome": "css/font-awesome.min.css",
    "echarts": "dist/echarts.js",
    "mermaid": "dist/mermaid.min.js",
}


@dataclass(frozen=True)
class Asset:
    """One npm package the page loads through solara's CDN proxy.

    Attributes:
        package: npm package name.
        version: Exact version (as solara asks for it).
        keep: Path prefixes inside the package to unpack (the rest is skipped).
    """

    package: str
    version: str
    keep: tuple[str, ...]

    @property
    def folder(self) -> str:
        """Folder name under the CDN proxy directory, e.g. ``echarts@5.4.0``."""
        return f"{self.package}@{self.version}"


def cdn_dir() -> Path:
    """Solara's CDN proxy folder (where the server looks for cached front-end files)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


@cache
def _solara_versions(package: str) -> set[str]:
    """Exact versions of ``package`` that the installed solara's templates refer to."""
    import solara

    root = Path(solara.__file__).parent
    pattern = re.compile(re.escape(package) + r"@(\d+\.\d+\.\d+[\w.\-]*?)/")
    found: set[str] = set()
    for path in root.rglob("*"):
        if "website" in path.parts or path.suffix not in {".vue", ".j2", ".html", ".py", ".js"}:
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="ignore")
        except OSError:
            continue
        found.update(pattern.findall(text))
    return found


def required_assets() -> list[Asset]:
    """The npm packages (and versions) the installed solara loads from its CDN."""
    out: list[Asset] = []
    for package, fallback, keep in _PACKAGES:
        versions = _solara_versions(package) or {fallback}
        out.extend(Asset(package, v, keep) for v in sorted(versions))
    return out


def missing_assets(directory: Path | None = None) -> list[Asset]:
    """Assets not yet unpacked into the CDN proxy folder."""
    directory = directory or cdn_dir()
    return [
        a
        for a in required_assets()
        if not (directory / a.folder / _PROBE.get(a.package, a.keep[0])).is_file()
    ]


def _unpack(tgz: Path, asset: Asset, directory: Path) -> None:
    dest = directory / asset.folder
    tmp = directory / f".{asset.folder.replace('/', '_')}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            rel = member.name.split("/", 1)[1] if "/" in member.name else ""
            skip = rel.endswith(".map") or ".." in rel
            if not member.isfile() or not rel.startswith(asset.keep) or skip:
                continue
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(member)
            if src is not None:
                target.write_bytes(src.read())
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)


def fetch(directory: Path | None = None, quiet: bool = False) -> list[str]:
    """Download and unpack the missing assets with ``npm pack``.

    Args:
        directory: CDN proxy folder (default: the installed solara's).
        quiet: Print nothing on success.

    Returns:
        Problems, one line each (empty when everything is in place).
    """
    directory = directory or cdn_dir()
    todo = missing_assets(directory)
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        return [
            "npm not found: install Node.js/npm (Debian: apt-get install npm) and rerun "
            "./scripts/bootstrap.sh, or let the server reach cdn.jsdelivr.net"
        ]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for asset in todo:
            spec = f"{asset.package}@{asset.version}"
            run = subprocess.run(
                [npm, "pack", "--silent", "--pack-destination", tmp, spec],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            names = run.stdout.split()
            if run.returncode != 0 or not names:
                problems.append(f"npm pack {spec} failed: {run.stderr.strip()[:300]}")
                continue
            _unpack(Path(tmp) / names[-1], asset, directory)
            if not quiet:
                print(f"unpacked {spec} into {directory / asset.folder}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m cspsim.dashboard.assets fetch|check [--quiet]``."""
    p = argparse.ArgumentParser(prog="python -m cspsim.dashboard.assets", description=__doc__)
    p.add_argument("action", choices=["fetch", "check"])
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if args.action == "check":
        missing = missing_assets()
        for a in missing:
            print(f"missing: {a.folder} (in {cdn_dir()})")
        return 1 if missing else 0
    problems = fetch(quiet=args.quiet)
    for line in problems:
        print(f"warning: dashboard browser files: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
