"""Benchmark of the sensitivity sweep runner (not a timed test; figures go in docs/PERFORMANCE.md).

Usage::

    .venv/bin/python benchmarks/bench_sweep.py [--runs 1440] [--dask-runs 20000]
        [--memory-runs 20000] [--memory-model trivial|cleveland|policies|policies-trivial]
        [--scenario configs/baseline.toml] [--only throughput,overhead,dask,memory]

Measures, on this machine:

1. throughput: runs per second of a Morris sweep of the national model with 1 worker (this
   process) and 2 workers (local process pool); parallel efficiency = T1 / (2 T2);
2. overhead: the same runs through the sweep (1 worker, store writes included) against a
   bare loop calling the same model function, run for run;
3. dask: per-run and per-task overhead through a local Dask scheduler (two single-threaded
   worker processes) with a near-zero-cost model function;
4. memory: peak resident memory (this process plus its children) of a 20,000-run sweep of a
   near-zero-cost model function (or of the Cleveland scenario, or of an exploration of the
   national model: policies x scenarios), and its resident memory at each quarter of the sweep.
   The headline is the sum of RSS, which counts a page shared by several processes (the
   forkserver's imported modules, inherited by every worker) once per process; the sum of
   PSS (each shared page divided among its sharers) is what the sweep really takes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).absolute().parents[1]
sys.path.insert(0, str(ROOT))

from cspsim.studies.sensitivity import (  # noqa: E402
    analyze,
    load_experiment,
    make_executor,
    plan,
    sweep,
)
from cspsim.studies.sensitivity.worker import model_function  # noqa: E402

NATIONAL = """
name = "bench_national"
scenario = "{scenario}"
method = "morris"
N = {N}
replicates = 2
seed = 31
outcomes = ["share_met_2020_2024", "probation_strategic_district_2016", "team_fte_2024"]
parameters = "registry"
"""
TRIVIAL = """
name = "bench_trivial"
model = "cspsim.studies.sensitivity.testfns:trivial"
method = "rbd_fast"
N = {N}
replicates = 1
seed = 5
outcomes = ["y"]
{rpt}
[parameters]
a = {{ bounds = [0, 1] }}
b = {{ bounds = [0, 1] }}
c = {{ bounds = [0, 1] }}
"""


def write(folder: Path, name: str, text: str) -> Path:
    """Write an experiment file."""
    path = folder / f"{name}.toml"
    path.write_text(textwrap.dedent(text))
    return path


def timed_sweep(path: Path, out: Path, workers: int | None = None, scheduler=None) -> tuple:
    """Run a sweep; return (seconds, plan, progress)."""
    p = plan(load_experiment(path))
    t0 = time.perf_counter()
    prog = sweep(p, out, make_executor(p, workers, scheduler))
    return time.perf_counter() - t0, p, prog


def throughput_and_overhead(tmp: Path, runs: int, scenario: str, only: set[str]) -> None:
    """Sections 1 and 2. The bare loop and the 1-worker sweep alternate, twice each, and the
    faster of each pair is kept, so that drift in machine speed does not pass for overhead."""
    N = max(2, runs // (2 * 72))  # Morris: N trajectories x 72 points x 2 replicates
    path = write(tmp, "national", NATIONAL.format(scenario=scenario, N=N))
    p = plan(load_experiment(path))
    fn = model_function(p.runtime)
    fn(p.runtime.values(p.X[0]), p.seeds[0])  # warm-up: geography, duty table, imports
    bare, sweep1 = [], []
    for k in range(2 if "overhead" in only else 1):
        if "overhead" in only:
            t0 = time.perf_counter()
            for i in range(len(p.X)):
                for seed in p.seeds:
                    fn(p.runtime.values(p.X[i]), seed)
            bare.append(time.perf_counter() - t0)
        t, _, prog = timed_sweep(path, tmp / f"w1_{k}", workers=1)
        sweep1.append(t)
    t1 = min(sweep1)
    print(f"national sweep: {prog.done} runs ({N} Morris trajectories x 72 points x 2 replicates)")
    ms = 1000 * t1 / prog.done
    print(f"  1 worker : {t1:7.2f} s  {prog.done / t1:6.1f} runs/s  {ms:.1f} ms/run")
    if bare:
        b = min(bare)
        print(
            f"  bare loop: {b:7.2f} s  {prog.done / b:6.1f} runs/s  "
            f"-> sweep overhead {100 * (t1 / b - 1):+.1f}% (times: sweep {sweep1}, bare {bare})"
        )
    if "throughput" in only:
        t2, _, prog2 = timed_sweep(path, tmp / "w2", workers=2)
        print(
            f"  2 workers: {t2:7.2f} s  {prog2.done / t2:6.1f} runs/s  "
            f"parallel efficiency T1/(2 T2) = {t1 / (2 * t2):.2f} (pool start-up included)"
        )


def _sweep_line(tmp: Path, label: str, runs: int, rpt: int | None, **where) -> float:
    """Run a trivial sweep; print and return its wall time per run (seconds)."""
    name = f"{label}_{rpt}".replace(" ", "_")
    path = write(tmp, name, TRIVIAL.format(N=runs, rpt=f"runs_per_task = {rpt}" if rpt else ""))
    t, _, prog = timed_sweep(path, tmp / name, **where)
    used = json.loads((tmp / name / "store" / "manifest.json").read_text())["runs_per_task"]
    tasks = -(-prog.done // used)
    print(
        f"  {label:12s} {prog.done:6d} runs, {used:5d} runs/task, {tasks:5d} tasks: {t:6.2f} s"
        f" = {1e6 * t / prog.done:7.1f} us/run, {1e3 * t / tasks:6.2f} ms/task"
    )
    return t / prog.done


def dask_overhead(tmp: Path, runs: int) -> None:
    """Section 3: a near-zero-cost model, so the time is all overhead (sampling, tasks,
    store writes, scheduler). The in-process sweep with the same runs per task isolates
    what Dask adds."""
    from distributed import LocalCluster

    print("trivial model (wall time per run is overhead):")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:  # fmt: skip
        addr = cluster.scheduler_address
        for rpt, n in ((None, runs), (100, runs), (1, min(runs, 2000))):
            local = _sweep_line(tmp, "in-process", n, rpt, workers=1)
            dask = _sweep_line(tmp, "dask", n, rpt, scheduler=addr)
            print(f"  -> Dask adds {1e6 * (dask - local):.1f} us/run at {rpt or 'auto'} runs/task")


CLEVELAND = """
name = "bench_cleveland"
scenario = "{scenario}"
method = "rbd_fast"
N = {N}
seed = 8
outcomes = ["share_met_2020_2024", "probation_strategic_unitary_2016"]
runs_per_task = 50
[parameters]
demand_scale = {{}}
efficiency_base = {{}}
w_statutory = {{}}
"""


def memory(tmp: Path, runs: int, model: str) -> None:
    """Section 4 (``model``: "trivial" function, the "cleveland" scenario, or "policies":
    ``experiments/policies_national.toml``, 3 policies x N scenarios x 2 replicates with a
    stored time series, its report tables (experiments, outcomes, by policy) included; or
    "policies-trivial": a Latin hypercube x 4 policies of the near-zero-cost function)."""
    if model == "cleveland":
        cfg = (ROOT / "configs" / "cleveland.toml").as_posix()
        path = write(tmp, "memory", CLEVELAND.format(scenario=cfg, N=runs))
    elif model == "policies":  # the shipped example at N = runs / 6, 50 runs per task
        text = (ROOT / "experiments" / "policies_national.toml").read_text()
        text = text.replace('"../', f'"{ROOT.as_posix()}/')
        key = f"N = {-(-runs // 6)}\nruns_per_task = 50"  # the key line, not the header's words
        path = write(tmp, "memory", re.sub(r"(?m)^N = 100$", key, text))
        (tmp / "outcomes.toml").write_bytes((ROOT / "experiments" / "outcomes.toml").read_bytes())
    elif model == "policies-trivial":  # the same design shape (lhs x 4 policies), no model cost
        text = TRIVIAL.format(N=runs // 4, rpt="runs_per_task = 50").replace("rbd_fast", "lhs")
        policies = "".join(f"[policies.p{k}]\nc = {k / 4}\n" for k in range(4))
        path = write(tmp, "memory", text.replace("c = { bounds = [0, 1] }\n", "") + policies)
    else:
        path = write(tmp, "memory", TRIVIAL.format(N=runs, rpt="runs_per_task = 50"))
    me = psutil.Process()
    samples: list[tuple[float, float]] = []  # (fraction done, MiB)
    pss: list[float] = []  # MiB, every tenth sample (reading smaps costs more)
    peaks: dict[str, float] = {}  # MiB: this process, forkserver, resource tracker, a worker
    done = threading.Event()
    store = tmp / "mem" / "store"

    def role(proc: psutil.Process) -> str:
        if proc.pid == me.pid:
            return "this process"
        line = " ".join(proc.cmdline())
        if "resource_tracker" in line:
            return "resource tracker"
        # Workers forked by the forkserver keep its command line, but not its parent.
        server = "forkserver" in line and proc.ppid() == me.pid
        return "forkserver" if server else "a worker"

    def rss(full: bool = False) -> float:
        procs = [me, *me.children(recursive=True)]
        total = total_pss = 0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                info = proc.memory_full_info() if full else proc.memory_info()
                total += info.rss
                name = role(proc)
                peaks[name] = max(peaks.get(name, 0.0), info.rss / 2**20)
                total_pss += getattr(info, "pss", 0)
        if full:
            pss.append(total_pss / 2**20)
        return total / 2**20

    def watch() -> None:
        while not done.is_set():
            chunks = len(list(store.glob("chunk-*.parquet"))) if store.exists() else 0
            samples.append((chunks * 50 / runs, rss(full=len(samples) % 10 == 0)))
            time.sleep(0.1)

    thread = threading.Thread(target=watch, daemon=True)
    base, driver0 = rss(), me.memory_info().rss / 2**20
    thread.start()
    t, p, prog = timed_sweep(path, tmp / "mem", workers=2)
    if model.startswith("policies"):
        t0 = time.perf_counter()
        analyze(p, tmp / "mem", plots=False)
        print(f"  report tables written in {time.perf_counter() - t0:.1f} s")
    done.set()
    thread.join()
    peak = max(m for _, m in samples)
    driver = me.memory_info().rss / 2**20
    print(f"memory, {model} model: {prog.done} runs ({prog.done // 50} chunks) in {t:.1f} s; "
          f"RSS of this process + workers before {base:.0f} MiB, peak {peak:.0f} MiB; "
          f"this process alone {driver0:.0f} -> {driver:.0f} MiB")  # fmt: skip
    for q in (0.25, 0.5, 0.75, 1.0):
        near = [m for f, m in samples if f <= q]
        if near:
            print(f"  RSS up to {int(100 * q):3d}% done: max {max(near):.0f} MiB")
    print(f"  peak sum of PSS (shared pages counted once): {max(pss, default=0):.0f} MiB")
    print("  peak RSS by process: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in peaks.items()))


def main() -> None:
    """Run the selected sections and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1440, help="national runs for 1-2 (1440)")
    ap.add_argument("--dask-runs", type=int, default=20000, help="runs for 3 (20000)")
    ap.add_argument("--memory-runs", type=int, default=20000, help="runs for 4 (20000)")
    ap.add_argument(
        "--memory-model",
        choices=["trivial", "cleveland", "policies", "policies-trivial"],
        default="trivial",
    )
    ap.add_argument("--scenario", default=str(ROOT / "configs" / "baseline.toml"))
    ap.add_argument("--only", default="throughput,overhead,dask,memory")
    args = ap.parse_args()
    only = set(args.only.split(","))
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if only & {"throughput", "overhead"}:
            throughput_and_overhead(tmp, args.runs, args.scenario, only)
        if "dask" in only:
            dask_overhead(tmp, args.dask_runs)
        if "memory" in only:
            memory(tmp, args.memory_runs, args.memory_model)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
