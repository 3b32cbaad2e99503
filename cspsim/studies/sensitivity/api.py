"""The sensitivity analysis from Python: what ``cspsim sensitivity`` does, as functions.

Example::

    from cspsim.studies.sensitivity import run_experiment
    analysis = run_experiment("experiments/cleveland_tiny.toml", "results/sa/tiny", workers=2)
    analysis.indices  # the rows of indices.csv
"""

from __future__ import annotations

import os
from pathlib import Path

from cspsim.studies.executor import Executor
from cspsim.studies.executor import make_executor as _make_executor
from cspsim.studies.sensitivity.analysis import Analysis, analyze_store
from cspsim.studies.sensitivity.experiment import load_experiment
from cspsim.studies.sensitivity.report import write_report
from cspsim.studies.sensitivity.store import Store
from cspsim.studies.sensitivity.sweep import (
    Plan,
    Progress,
    SweepError,
    choose_runs_per_task,
    open_output,
    plan,
    run,
)


def make_executor(p: Plan, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for a sweep (:mod:`cspsim.studies.executor`), with the sweep's runtime
    sent once to every worker: Dask if ``scheduler`` is given, else this process for one
    worker, else a local process pool (``workers`` defaults to one per core)."""
    workers = workers or os.cpu_count() or 1
    return _make_executor(workers, scheduler, p.runtime, ["cspsim.studies.sensitivity.worker"])


def sweep(
    p: Plan,
    out: Path,
    executor: Executor,
    resume: bool = False,
    runs_per_task: int | None = None,
    quiet: bool = True,
) -> Progress:
    """Run (or resume) a planned sweep into ``out/store``; the executor is closed after.

    Raises:
        SweepError: ``out`` does not fit (holds a sweep when not resuming, or another design).
        KeyboardInterrupt: the store keeps every finished chunk; resume later.
    """
    try:
        store = Store(out / "store")
        if resume:
            if not store.exists():
                raise SweepError(f"--resume: {out} holds no sweep to resume")
            rpt = store.read_manifest()["runs_per_task"]
        else:
            spec_rpt = runs_per_task or p.loaded.spec.runs_per_task
            rpt = spec_rpt or choose_runs_per_task(p, executor.slots)
        store = open_output(p, out, resume, rpt)
        return run(p, store, executor, quiet=quiet)
    finally:
        executor.close()


def analyze(p: Plan, out: Path, plots: bool = True) -> Analysis:
    """Analyse the store in ``out`` and write indices, convergence, failures, plots."""
    analysis = analyze_store(p, Store(out / "store"))
    write_report(p, analysis, out, plots=plots)
    return analysis


def run_experiment(
    path: str | Path,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    plots: bool = True,
) -> Analysis:
    """Check, sample, run, analyse and plot an experiment file (quietly).

    Raises:
        ExperimentError: the experiment file has problems (nothing runs).
        SweepError: ``out`` does not fit the request.
    """
    p = plan(load_experiment(path))
    out = Path(out)
    sweep(p, out, make_executor(p, workers, scheduler), resume=resume)
    return analyze(p, out, plots=plots)
