"""cspsim installs from a wheel and runs with its shipped data, away from the repository.

Builds an sdist from a copy of the repository, a wheel from that sdist (as ``python -m build``
does, so ``MANIFEST.in`` is checked too), installs the wheel into a fresh virtual environment
without downloading anything (its dependencies come from this environment through a ``.pth``
file), and runs the installed ``cspsim`` command from a folder outside the repository.
About 10 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Not copied into the build folder: caches, environments, outputs and earlier builds.
IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "results", "build", "dist", "*.egg-info", "__pycache__", "_data",
    "test-artifacts", ".pytest_cache", ".ruff_cache", ".hypothesis", ".import_linter_cache",
)  # fmt: skip


def _run(cmd: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def _ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"{proc.args}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """(venv, a folder outside the repository, environment) with the wheel installed."""
    pytest.importorskip("setuptools", reason="building the wheel needs setuptools (dev extra)")
    tmp = tmp_path_factory.mktemp("install")
    # No PYTHONPATH (it could point at the checkout) and nothing that changes pip's sources.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PIP_")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    src, dist = tmp / "src", tmp / "dist"
    shutil.copytree(REPO, src, ignore=IGNORE)
    build_sdist = "import setuptools.build_meta as b, sys; print(b.build_sdist(sys.argv[1]))"
    sdist = dist / _ok(_run([sys.executable, "-c", build_sdist, dist], src, env)).stdout.split()[-1]
    with tarfile.open(sdist) as tf:
        tf.extractall(tmp / "sdist", filter="data")
    unpacked = next((tmp / "sdist").iterdir())
    pip = [sys.executable, "-m", "pip"]
    wheel_cmd = [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist]
    _ok(_run([*wheel_cmd, unpacked], tmp, env))
    (wheel,) = dist.glob("cspsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "configs/baseline.toml",
        "configs/parameters.toml",
        "configs/duties.toml",
        "configs/england_2009.toml",
        "configs/calibrated_2009.toml",
        "configs/lessons/merge_or_not.toml",
        "configs/lessons/scenarios/warwickshire.toml",
        "configs/targets/survey_2009_calibration.csv",
        "configs/geography/ons_lad21_boundaries_ew.topojson",
        "experiments/outcomes.toml",
    ):
        assert f"cspsim/_data/{shipped}" in names, shipped

    venv = tmp / "venv"
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", venv], tmp, env))
    python = venv / "bin" / "python"
    _ok(_run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel], tmp, env))
    # The dependencies (mesa, pandas...) come from this environment. A .pth file inside a
    # folder that another .pth adds is not executed, so this environment's editable-install
    # finder for cspsim stays inactive and `import cspsim` must find the wheel's copy.
    purelib_of = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = _ok(_run([python, "-c", purelib_of], tmp, env)).stdout.strip()
    (Path(purelib) / "_cspsim_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    away = tmp / "elsewhere"
    away.mkdir()
    where_from = "import cspsim.paths as p; print(p.__file__, p.SOURCE_CHECKOUT)"
    where = _ok(_run([python, "-c", where_from], away, env)).stdout.split()
    assert Path(where[0]).is_relative_to(Path(purelib)), where
    assert where[1] == "False"
    return venv, away, env


def test_installed_lists_and_checks_shipped_scenarios(installed):
    """`cspsim scenarios` and `cspsim check baseline` work from any folder."""
    venv, away, env = installed
    listing = _ok(_run([venv / "bin" / "cspsim", "scenarios"], away, env)).stdout
    names = {line.strip() for line in listing.splitlines() if line and not line[0].isspace()}
    assert {"baseline", "cleveland", "cleveland_merged", "history_2009_2024"} <= names
    assert "cspsim run baseline" in listing
    out = _ok(_run([venv / "bin" / "cspsim", "check", "baseline", "cleveland"], away, env)).stdout
    assert "OK baseline: 'baseline', 326 council areas" in out and "OK cleveland" in out


def test_installed_runs_a_shipped_scenario_by_name(installed, tmp_path):
    """`cspsim run baseline --out DIR` (England, by name) writes every output; the manifest
    has no git commit."""
    venv, away, env = installed
    out = tmp_path / "out"
    cmd = [venv / "bin" / "cspsim", "run", "baseline", "--replicates", "1", "--no-plots"]
    _ok(_run([*cmd, "--out", out, "--workers", "1", "--quiet"], away, env))
    for name in ("timeseries.parquet", "summary.csv", "survey_2009.csv", "manifest.json"):
        assert (out / name).stat().st_size > 0, name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"] == "baseline" and manifest["replicates"] == 1
    assert manifest["git"] == {"commit": None, "dirty": None}
    assert "_data/configs/baseline.toml" in manifest["scenario_file"]


def test_installed_user_scenario_extends_shipped_and_writes_here(installed, tmp_path):
    """A file of the user's own extends a shipped scenario; without --out, results go to
    ./results/<name> in the current folder (not into site-packages)."""
    venv, _, env = installed
    (tmp_path / "mine.toml").write_text(
        'name = "mine"\nextends = "cleveland.toml"\n[time]\nend = 2011-03-31\n'
    )
    cmd = [venv / "bin" / "cspsim", "run", "mine.toml", "--replicates", "1", "--no-plots"]
    _ok(_run([*cmd, "--workers", "1", "--quiet"], tmp_path, env))
    assert (tmp_path / "results" / "mine" / "manifest.json").is_file()
    assert not list((venv / "lib").rglob("results"))


def test_installed_misspelt_name_suggests(installed):
    """An unknown name exits 2 with one line suggesting close matches, no traceback."""
    venv, away, env = installed
    proc = _run([venv / "bin" / "cspsim", "run", "baselin"], away, env)
    assert proc.returncode == 2, proc.stderr
    assert "did you mean baseline?" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (away / "results").exists()
