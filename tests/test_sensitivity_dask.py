"""A real ``dask scheduler`` and ``dask worker`` on 127.0.0.1: the same sweep, and the same
calibration, through ``--scheduler`` give results identical to the local run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from cspsim.cli.main import main
from cspsim.paths import CONFIGS_DIR, REPO_DIR
from cspsim.studies.sensitivity.store import Store

DASK = Path(sys.executable).with_name("dask")
START_TIMEOUT = 60  # seconds for the scheduler and worker to come up
STOP_TIMEOUT = 15

EXPERIMENT = f"""
name = "dask_test"
scenario = "{(CONFIGS_DIR / "cleveland.toml").as_posix()}"
method = "sobol"
N = 4
replicates = 2
seed = 99
outcomes = ["share_met_2020_2024", "police_strategic_2020_2024"]
runs_per_task = 5

[parameters]
demand_scale = {{}}
efficiency_base = {{}}
engagement_base_police = {{}}

[options]
resamples = 50
"""


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    """Wait until something listens on ``port`` (or the process dies)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:2]} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """Stop a process group politely, then firmly; never wait without a bound."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler and one worker process (two single-threaded workers), torn down after."""
    if not DASK.exists():
        pytest.skip("the dask command is not installed")
    logs = tmp_path_factory.mktemp("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    popen = {"cwd": REPO_DIR, "start_new_session": True, "stderr": subprocess.STDOUT}
    procs = []
    try:
        procs.append(subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=(logs / "scheduler.log").open("w"), **popen,
        ))  # fmt: skip
        wait_for_port(port, procs[0], START_TIMEOUT)
        procs.append(subprocess.Popen(
            [DASK, "worker", address, "--host", "127.0.0.1", "--nworkers", "2", "--nthreads",
             "1", "--no-dashboard", "--memory-limit", "0"],
            stdout=(logs / "worker.log").open("w"), **popen,
        ))  # fmt: skip
        yield address
    finally:
        for proc in reversed(procs):
            stop(proc)


@pytest.mark.slow
def test_dask_sweep_matches_local(tmp_path, dask_cluster):
    """Same experiment, local process vs Dask cluster: identical store and indices."""
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent(EXPERIMENT))
    local, remote = tmp_path / "local", tmp_path / "dask"
    args = ["sensitivity", str(path), "--no-plots", "--quiet"]
    assert main([*args, "--out", str(local), "--workers", "1"]) == 0
    assert main([*args, "--out", str(remote), "--scheduler", dask_cluster]) == 0
    pd.testing.assert_frame_equal(Store(local / "store").read(), Store(remote / "store").read())
    for name in ("indices.csv", "convergence.csv", "samples.parquet"):
        assert (local / name).read_bytes() == (remote / name).read_bytes(), name


@pytest.mark.slow
def test_dask_exploration_with_series_matches_local(tmp_path, dask_cluster, policies_experiment):
    """A policies x scenarios sweep with time series: the same runs, series and tables."""
    path = policies_experiment(3, 4)
    local, remote = tmp_path / "local", tmp_path / "dask"
    args = ["sensitivity", str(path), "--no-plots", "--quiet"]
    assert main([*args, "--out", str(local), "--workers", "1"]) == 0
    assert main([*args, "--out", str(remote), "--scheduler", dask_cluster]) == 0
    for read in (Store.read, Store.read_series):
        pd.testing.assert_frame_equal(read(Store(local / "store")), read(Store(remote / "store")))
    for name in ("experiments.parquet", "outcomes.parquet", "outcomes_by_policy.csv"):
        assert (local / name).read_bytes() == (remote / name).read_bytes(), name


def test_unreachable_scheduler_is_a_user_error(tmp_path, capsys):
    """A scheduler that does not answer gives exit status 2 and a clear line."""
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent(EXPERIMENT))
    address = f"tcp://127.0.0.1:{free_port()}"
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code = main(["sensitivity", str(path), "--scheduler", address, "--out",
                     str(tmp_path / "o"), "--quiet"])  # fmt: skip
    assert code == 2
    assert f"--scheduler {address}: cannot connect" in capsys.readouterr().err


@pytest.mark.slow
def test_dask_calibration_matches_local(tmp_path, dask_cluster):
    """``cspsim calibrate --scheduler`` writes the same overlay values as a local run."""
    import tomllib

    args = ["calibrate", "--scenario", str(CONFIGS_DIR / "cleveland.toml"), "--points", "8"]
    args += ["--replicates", "1", "--max-iterations", "3", "--quiet"]
    args += ["--params", "engagement_base_police,survey_very_threshold,demand_scale"]
    local, remote = tmp_path / "local.toml", tmp_path / "remote.toml"
    assert main([*args, "--out", str(local), "--workers", "1"]) == 0
    assert main([*args, "--out", str(remote), "--scheduler", dask_cluster]) == 0
    with local.open("rb") as a, remote.open("rb") as b:
        assert tomllib.load(a)["parameters"] == tomllib.load(b)["parameters"]
    fit = [line for line in local.read_text().splitlines() if line.startswith("# Fit")]
    assert fit and fit[0] in remote.read_text()


def test_calibrate_unreachable_scheduler_is_a_user_error(tmp_path, capsys):
    address = f"tcp://127.0.0.1:{free_port()}"
    import dask

    out = tmp_path / "o.toml"
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code = main(["calibrate", "--scenario", str(CONFIGS_DIR / "cleveland.toml"),
                     "--scheduler", address, "--out", str(out), "--quiet"])  # fmt: skip
    assert code == 2
    assert f"--scheduler {address}: cannot connect" in capsys.readouterr().err
    assert not out.exists()
