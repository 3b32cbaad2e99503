"""Kill a real sweep part-way (SIGKILL, then Ctrl-C), resume it, and compare with an
uninterrupted sweep: the store and every result file are identical."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from cspsim.cli.main import main
from cspsim.paths import CONFIGS_DIR, REPO_DIR
from cspsim.studies.sensitivity.store import Store

TIMEOUT = 120  # seconds: bound on every subprocess wait, so a hang fails instead of blocking

EXPERIMENT = f"""
name = "resume_test"
scenario = "{(CONFIGS_DIR / "cleveland.toml").as_posix()}"
method = "morris"
N = 24
replicates = 2
seed = 4242
outcomes = ["share_met_2020_2024", "probation_strategic_unitary_2016"]
years = [2016]
runs_per_task = 3

[parameters]
demand_scale = {{}}
w_reciprocity = {{}}
cut_pct__police = {{ bounds = [0, 40] }}
cut_start_year__police = {{ bounds = [2011, 2020] }}

[options]
resamples = 50
"""
RESULT_FILES = ["indices.csv", "convergence.csv", "failures.csv", "samples.parquet"]


def start(path: Path, out: Path, *extra: str) -> subprocess.Popen:
    """Start ``cspsim sensitivity`` in its own process group (so the kill reaches it all)."""
    cmd = [sys.executable, "-m", "cspsim", "sensitivity", str(path), "--out", str(out),
           "--workers", "2", "--no-plots", "--quiet", *extra]  # fmt: skip
    return subprocess.Popen(
        cmd, cwd=REPO_DIR, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_for_chunks(out: Path, proc: subprocess.Popen, at_least: int) -> int:
    """Wait until the store holds ``at_least`` chunks (or the sweep ends); return the count."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        n = len(list((out / "store").glob("chunk-*.parquet")))
        if n >= at_least or proc.poll() is not None:
            return n
        time.sleep(0.02)
    raise TimeoutError("the sweep wrote no chunks")


def kill_group(proc: subprocess.Popen, sig: int) -> int:
    """Send ``sig`` to the sweep's process group and wait for the sweep to end."""
    os.killpg(proc.pid, sig)
    try:
        return proc.wait(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_kill_and_resume_gives_identical_results(tmp_path):
    """SIGKILL mid-sweep, resume and Ctrl-C, resume again: identical to one clean sweep."""
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent(EXPERIMENT))
    out = tmp_path / "interrupted"
    total = json_total = None

    proc = start(path, out)
    wait_for_chunks(out, proc, at_least=4)
    helpers = psutil.Process(proc.pid).children(recursive=True)  # forkserver and workers
    assert helpers
    proc.send_signal(signal.SIGKILL)  # kill -9 of the sweep alone, as a user would
    assert proc.wait(timeout=TIMEOUT) == -signal.SIGKILL
    _, alive = psutil.wait_procs(helpers, timeout=10)
    for orphan in alive:  # clean up before failing
        orphan.kill()
    assert not alive, f"workers outlived the sweep: {alive}"
    manifest = json.loads((out / "store" / "manifest.json").read_text())
    json_total = manifest["tasks"]
    first = len(list((out / "store").glob("chunk-*.parquet")))
    assert 0 < first < json_total, "the kill came too late to test anything"

    proc = start(path, out, "--resume")
    wait_for_chunks(out, proc, at_least=first + 4)
    status = kill_group(proc, signal.SIGINT)  # Ctrl-C
    second = len(list((out / "store").glob("chunk-*.parquet")))
    if status != 0:  # not finished before the interrupt
        assert status == 130, proc.stderr.read().decode()
        assert "--resume" in proc.stderr.read().decode()
        manifest = json.loads((out / "store" / "manifest.json").read_text())
        assert manifest["status"] == "interrupted"
        assert second < json_total

    proc = start(path, out, "--resume")
    assert proc.wait(timeout=TIMEOUT) == 0, proc.stderr.read().decode()
    total = len(list((out / "store").glob("chunk-*.parquet")))
    assert total == json_total

    clean = tmp_path / "clean"
    assert main(["sensitivity", str(path), "--out", str(clean), "--workers", "1",
                 "--no-plots", "--quiet"]) == 0  # fmt: skip
    pd.testing.assert_frame_equal(Store(out / "store").read(), Store(clean / "store").read())
    for name in RESULT_FILES:
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name


EXPLORATION_FILES = ["experiments.parquet", "outcomes.parquet", "outcomes_by_policy.csv",
                     "failures.csv", "samples.parquet"]  # fmt: skip


@pytest.mark.slow
def test_exploration_kill_and_resume_gives_identical_results(tmp_path, policies_experiment):
    """A policies x scenarios sweep with time series, killed with SIGKILL and resumed, ends
    identical to one clean sweep: runs, series and every table."""
    path = policies_experiment(10, 3)
    out = tmp_path / "interrupted"
    proc = start(path, out)
    wait_for_chunks(out, proc, at_least=3)
    kill_group(proc, signal.SIGKILL)
    tasks = json.loads((out / "store" / "manifest.json").read_text())["tasks"]
    first = len(list((out / "store").glob("chunk-*.parquet")))
    assert 0 < first < tasks, "the kill came too late to test anything"

    proc = start(path, out, "--resume")
    assert proc.wait(timeout=TIMEOUT) == 0, proc.stderr.read().decode()
    clean = tmp_path / "clean"
    assert main(["sensitivity", str(path), "--out", str(clean), "--workers", "1",
                 "--no-plots", "--quiet"]) == 0  # fmt: skip
    pd.testing.assert_frame_equal(Store(out / "store").read(), Store(clean / "store").read())
    series = Store(out / "store").read_series()
    assert len(series) == 60
    pd.testing.assert_frame_equal(series, Store(clean / "store").read_series())
    for name in EXPLORATION_FILES:
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name
