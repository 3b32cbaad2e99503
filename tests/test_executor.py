"""The one executor (here, a local pool, Dask) and the Python API built on it: same results
everywhere, errors reach the caller, workers die with a killed parent, and a plain script
without a main guard can use the pool."""

from __future__ import annotations

import contextlib
import json
import operator
import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import psutil
import pytest

import cspsim
from cspsim.cli.main import parser
from cspsim.paths import CONFIGS_DIR, REPO_DIR
from cspsim.studies import runner
from cspsim.studies.executor import LocalPool, Serial, make_executor

CLEVELAND = CONFIGS_DIR / "cleveland.toml"
TIMEOUT = 120  # seconds: bound on every subprocess wait


@pytest.mark.parametrize("workers", [1, 2])
def test_map_keeps_item_order_and_weights_progress(workers):
    seen = []
    with make_executor(workers, shared=10) as ex:
        assert isinstance(ex, Serial if workers == 1 else LocalPool)
        out = ex.map(operator.add, range(7), seen.append, weight=lambda i: i + 1)
    assert out == [10 + i for i in range(7)]
    assert sorted(seen) == list(range(1, 8))


def test_task_error_reaches_the_caller():
    with LocalPool(2, shared=1) as ex, pytest.raises(ZeroDivisionError):
        ex.map(operator.truediv, [1, 2, 0, 4, 5])


def test_api_run_same_frames_serial_pool_and_dask():
    """cspsim.run gives identical frames on 1 process, 2 processes and a Dask cluster."""
    from distributed import LocalCluster

    one = cspsim.run(CLEVELAND, replicates=3, seed=7, workers=1)
    two = cspsim.run(CLEVELAND, replicates=3, seed=7, workers=2)
    pd.testing.assert_frame_equal(one.frame, two.frame)
    pd.testing.assert_frame_equal(one.summary, two.summary)
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
        host="127.0.0.1", dashboard_address=None,
    ) as cluster:  # fmt: skip
        dask = cspsim.run(CLEVELAND, replicates=3, seed=7, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(one.frame, dask.frame)
    assert one.replicates == 3 and set(one.frame["replicate"]) == {0, 1, 2}
    assert not one.files  # nothing written without out


def test_api_compare_writes_what_the_command_writes(tmp_path):
    comp = cspsim.compare([CLEVELAND, CLEVELAND], replicates=2, workers=2, out=tmp_path)
    assert comp.replicates == 2 and {"cleveland", "cleveland (2)"} == set(comp.table["scenario"])
    assert (tmp_path / "manifest.json").is_file() and (tmp_path / "report.html").is_file()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["warnings"] == comp.warnings and manifest["workers"] == 2


def test_api_argument_errors_before_any_run(tmp_path):
    from cspsim.studies.api import ArgumentError

    with pytest.raises(ArgumentError, match="replicates must be at least 1"):
        cspsim.run(CLEVELAND, replicates=0, out=tmp_path / "o")
    with pytest.raises(ArgumentError, match="engine"):
        cspsim.run(CLEVELAND, engine="gears")
    assert not (tmp_path / "o").exists()


def test_engine_flag_parses():
    p = parser()
    assert p.parse_args(["run", "x.toml"]).engine == "arrays"
    assert p.parse_args(["run", "x.toml", "--engine", "agents"]).engine == "agents"
    with pytest.raises(SystemExit):
        p.parse_args(["run", "x.toml", "--engine", "gears"])


def test_engine_reaches_the_model_only_when_not_default(monkeypatch, cleveland):
    calls = []

    class Stop(Exception):
        pass

    def fake_model(*args, **kwargs):
        calls.append(kwargs)
        raise Stop

    monkeypatch.setattr(runner, "CSPModel", fake_model)
    for engine in ("arrays", "agents"):
        with pytest.raises(Stop):
            runner.run_job(runner.Job(cleveland, 0, 1, engine=engine))
    assert "engine" not in calls[0] and calls[1]["engine"] == "agents"


def test_script_without_main_guard_runs_on_two_workers(tmp_path):
    """Pool workers do not re-run the caller's script (forkserver/spawn would)."""
    script = tmp_path / "plain.py"
    script.write_text(
        textwrap.dedent(f"""
        import cspsim
        print("script body", flush=True)
        result = cspsim.run({str(CLEVELAND)!r}, replicates=2, workers=2)
        print("replicates", result.replicates, "workers", result.workers)
    """)
    )
    env = os.environ | {"PYTHONPATH": str(REPO_DIR)}
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("script body") == 1
    assert "replicates 2 workers 2" in proc.stdout


LIVE_MODELS = """
import gc

from cspsim.model.model import CSPModel
from cspsim.studies.sensitivity.worker import model_function


def live_models(runtime, rows):
    \"\"\"Run the sweep's model on each row; after each run, the CSPModels still in memory.\"\"\"
    fn = model_function(runtime)
    counts = []
    for seed, row in enumerate(rows):
        fn(runtime.values(row), seed)
        counts.append(sum(isinstance(o, CSPModel) for o in gc.get_objects()))
    return counts
"""


def test_pool_workers_free_each_finished_model(tmp_path, monkeypatch):
    """A finished model is a reference cycle holding its run's records; a pool worker frees
    it before its next run instead of waiting for the collector (which let some twenty
    national models pile up in each worker)."""
    from cspsim.studies.sensitivity import load_experiment, plan

    (tmp_path / "live_models_task.py").write_text(LIVE_MODELS)
    monkeypatch.syspath_prepend(str(tmp_path))  # workers get this process's sys.path
    from live_models_task import live_models

    p = plan(load_experiment(REPO_DIR / "experiments" / "cleveland_tiny.toml"))
    with LocalPool(2, shared=p.runtime, preload=["cspsim.studies.sensitivity.worker"]) as ex:
        counts = ex.map(live_models, [p.X[:4], p.X[4:8]])
    assert counts == [[0, 0, 0, 0], [0, 0, 0, 0]]


@pytest.mark.parametrize(
    "module", ["cspsim.model.model", "cspsim.studies.runner", "cspsim.studies.sensitivity.worker"]
)
def test_what_workers_import_leaves_out_plots_and_analysis_libraries(module):
    """What a pool worker imports (the forkserver's preload) and every worker then holds:
    no plotting, maps, SALib, EMA Workbench or Dask, which runs do not use."""
    code = (
        f"import sys, {module}; "
        "heavy = ['matplotlib', 'geopandas', 'shapely', 'pyogrio', 'SALib', 'ema_workbench', "
        "'dask', 'distributed', 'solara']; "
        "print([m for m in heavy if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(REPO_DIR)}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


KILLED_COMMANDS = {
    "run": ["run", str(CONFIGS_DIR / "baseline.toml"), "--replicates", "8", "--no-plots"],
    # A tiny calibration (one replicate per point, no Powell polish) with more points than it
    # can score before the kill: workers are busy when it comes.
    "calibrate": ["calibrate", "--scenario", str(CLEVELAND), "--points", "4096",
                  "--replicates", "1", "--max-iterations", "2", "--powell-evals", "0"],
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(KILLED_COMMANDS))
def test_workers_do_not_outlive_a_killed_parent(tmp_path, command):
    """kill -9 on ``cspsim run`` or ``cspsim calibrate``: its forkserver and workers are gone
    within seconds, and nothing is left at ``--out``."""
    out = tmp_path / ("o" if command == "run" else "o.toml")
    cmd = [sys.executable, "-m", "cspsim", *KILLED_COMMANDS[command], "--quiet",
           "--out", str(out), "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=REPO_DIR, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + TIMEOUT
        workers: list[psutil.Process] = []
        while time.monotonic() < deadline and proc.poll() is None and len(workers) < 2:
            time.sleep(0.05)
            workers = _workers(parent)
        assert proc.poll() is None, "the run ended before its workers could be seen"
        assert len(workers) >= 2, workers
        family = parent.children(recursive=True)  # workers, forkserver, resource tracker
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=TIMEOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            left = [p for p in family if _alive(p)]
            group = [p for p in psutil.process_iter() if _in_group(p, proc.pid)]
            if not left and not group:
                break
            time.sleep(0.2)
        assert not left, f"still running after 15 s: {left}"
        assert not group, f"still running in the group after 15 s: {group}"
        assert not out.exists()
    finally:
        _kill_group(proc.pid)  # whatever a failed test left behind
        proc.wait(timeout=TIMEOUT)


def _workers(parent: psutil.Process) -> list[psutil.Process]:
    """The pool's workers: children of the forkserver, or forked copies of the parent."""
    try:
        return [
            c
            for c in parent.children(recursive=True)
            if c.ppid() != parent.pid or c.cmdline() == parent.cmdline()
        ]
    except psutil.Error:
        return []


def _in_group(p: psutil.Process, pgid: int) -> bool:
    try:
        return _alive(p) and os.getpgid(p.pid) == pgid
    except (ProcessLookupError, psutil.Error):
        return False


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
