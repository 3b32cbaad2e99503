"""Run replicates of a scenario, serially or on a local process pool.

Each replicate's seed comes from ``numpy.random.SeedSequence(root_seed).spawn(n)``; the same
root seed gives the same list for every scenario (common random numbers, paired comparisons),
and replicate k's seed does not depend on how many replicates are asked for. Results are
gathered in replicate order, so the number of workers never changes them.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path

import numpy as np
import pandas as pd

from cspsim.analysis.outputs import run_frame
from cspsim.inputs.duties import load_duties
from cspsim.inputs.geography import build_geography
from cspsim.inputs.scenario import Scenario
from cspsim.model.model import CSPModel


def replicate_seeds(root_seed: int, n: int) -> list[int]:
    """Seeds of replicates 0..n-1 from one root seed (stable when n grows)."""
    children = np.random.SeedSequence(root_seed).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


@dataclass(frozen=True)
class Job:
    """One replicate to run."""

    scenario: Scenario
    replicate: int
    seed: int
    base_dir: Path | None = None
    csp_rows: bool = True


def run_job(job: Job) -> pd.DataFrame:
    """Run one replicate and return its outcome frame (small and picklable).

    With ``csp_rows=False`` only the authority-type and national rows are kept.
    """
    model = CSPModel(job.scenario, seed=job.seed, base_dir=job.base_dir, with_agents=False)
    model.run()
    frame = run_frame(model, job.scenario.name, job.replicate)
    if not job.csp_rows:
        frame = frame[frame["level"] != "csp"].reset_index(drop=True)
    return frame


def default_workers(n_jobs: int) -> int:
    """Local processes to use: one per core, no more than there are jobs."""
    return max(1, min(n_jobs, os.cpu_count() or 1))


def pool_context() -> BaseContext:
    """fork when it is safe (one thread in this process: fast start), else forkserver.

    Forking a multi-threaded process (e.g. after numpy's BLAS or pyarrow started threads) can
    deadlock, so in practice it is almost always forkserver. The forkserver imports this
    module (and so the model, numpy and pandas) once and workers fork from it with all that
    already imported, instead of each importing it (about a second); a later pool in the
    same process then starts in milliseconds.
    """
    methods = mp.get_all_start_methods()
    task_dir = Path("/proc/self/task")
    single = task_dir.is_dir() and len(list(task_dir.iterdir())) == 1
    if "fork" in methods and single:
        return mp.get_context("fork")
    if "forkserver" not in methods:
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])  # ignored if this process's forkserver already runs
    return ctx


def run_jobs(
    jobs: Iterable[Job],
    workers: int = 1,
    progress: Callable[[int], object] | None = None,
) -> list[pd.DataFrame]:
    """Run jobs and return their frames in job order.

    Args:
        jobs: Replicates to run.
        workers: Local processes (1 = run here, no pool).
        progress: Called with 1 each time a job finishes.
    """
    jobs = list(jobs)
    results: list[pd.DataFrame | None] = [None] * len(jobs)
    if workers <= 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs):
            results[i] = run_job(job)
            if progress:
                progress(1)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
            futures = {pool.submit(run_job, job): i for i, job in enumerate(jobs)}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(1)
    return [r for r in results if r is not None]


def check_buildable(scenario: Scenario, base_dir: Path | None = None) -> CSPModel:
    """Build (but do not run) a model, to surface structural errors before any run."""
    load_duties(scenario, base_dir)
    build_geography(scenario.geography)
    return CSPModel(scenario, seed=0, base_dir=base_dir, with_agents=False)
