"""Run replicates of a scenario: here, on a local process pool or on a Dask cluster
(:mod:`cspsim.studies.executor`).

Each replicate's seed comes from ``numpy.random.SeedSequence(root_seed).spawn(n)``; the same
root seed gives the same list for every scenario (common random numbers, paired comparisons),
and replicate k's seed does not depend on how many replicates are asked for. Results are
gathered in replicate order, so the number of workers never changes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cspsim.analysis.comparison import csp_values
from cspsim.analysis.outputs import run_frame
from cspsim.inputs.duties import load_duties
from cspsim.inputs.geography import Geography, build_geography
from cspsim.inputs.scenario import Scenario
from cspsim.model.model import CSPModel
from cspsim.studies.executor import Executor, collect_cycles, default_workers, make_executor

__all__ = [
    "Job",
    "ProgressCounter",
    "check_buildable",
    "default_workers",
    "job_executor",
    "replicate_seeds",
    "run_job",
    "run_job_by_csp",
    "run_jobs",
    "run_jobs_by_csp",
]


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
    engine: str = "arrays"


def run_job(job: Job) -> pd.DataFrame:
    """Run one replicate and return its outcome frame (small and picklable).

    With ``csp_rows=False`` only the authority-type and national rows are kept. The engine is
    passed to the model only when it is not the default (``"arrays"``).
    """
    kwargs: dict[str, Any] = {} if job.engine == "arrays" else {"engine": job.engine}
    geo = _geography(job.scenario)
    model = CSPModel(
        job.scenario,
        seed=job.seed,
        base_dir=job.base_dir,
        with_agents=False,
        geography=geo,
        **kwargs,
    )
    model.run()
    frame = run_frame(model, job.scenario.name, job.replicate, csp_rows=job.csp_rows)
    del model
    collect_cycles()  # free the finished model before the worker's next run
    return frame


# Geographies built in this process, by their scenario section: a comparison's scenarios
# and parameter sets share one, and building the synthetic England costs a national run's
# construction time again. Bounded, as a worker may serve several comparisons.
_GEOGRAPHIES: dict[str, Geography] = {}


def _geography(scenario: Scenario) -> Geography:
    """The scenario's geography, built once per process (it depends only on
    ``[geography]``, which the model never changes)."""
    key = scenario.geography.model_dump_json()
    if key not in _GEOGRAPHIES:
        if len(_GEOGRAPHIES) >= 8:
            _GEOGRAPHIES.clear()
        _GEOGRAPHIES[key] = build_geography(scenario.geography)
    return _GEOGRAPHIES[key]


def run_job_by_csp(job: Job) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run one replicate: its authority-type and national rows, and its CSP rows summed by
    financial year (:func:`~cspsim.analysis.comparison.csp_values`), which are far smaller
    to send back than every CSP's quarters."""
    frame = run_job(Job(job.scenario, job.replicate, job.seed, job.base_dir, True, job.engine))
    csp = frame["level"] == "csp"
    return frame[~csp].reset_index(drop=True), csp_values(frame[csp])


class ProgressCounter:
    """Counts finished runs and reports ``report(done, total)``."""

    def __init__(self, report: Callable[[int, int], None] | None, done: int, total: int):
        self.report, self.done, self.total = report, done, total

    def __call__(self, n: int) -> None:
        self.done += n
        if self.report:
            self.report(self.done, self.total)


def _job_task(_: None, job: Job) -> pd.DataFrame:
    return run_job(job)


def _job_by_csp_task(_: None, job: Job) -> tuple[pd.DataFrame, pd.DataFrame]:
    return run_job_by_csp(job)


def run_jobs(
    jobs: Iterable[Job],
    workers: int = 1,
    progress: Callable[[int], object] | None = None,
    scheduler: str | None = None,
    executor: Executor | None = None,
) -> list[pd.DataFrame]:
    """Run jobs and return their frames in job order (see :func:`run_jobs_by_csp` for the
    per-CSP sums as well).

    Args:
        jobs: Replicates to run.
        workers: Local processes (1 = run here, no pool).
        progress: Called with 1 each time a job finishes.
        scheduler: Dask scheduler address (instead of local processes).
        executor: Run on this executor (left open) instead of one made for these jobs.
    """
    jobs = list(jobs)
    if executor is not None:
        return executor.map(_job_task, jobs, progress)
    with job_executor(len(jobs), workers, scheduler) as ex:
        return ex.map(_job_task, jobs, progress)


def run_jobs_by_csp(
    jobs: Iterable[Job],
    progress: Callable[[int], object] | None,
    executor: Executor,
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """:func:`run_job_by_csp` of each job on an open executor, in job order."""
    return executor.map(_job_by_csp_task, list(jobs), progress)


def job_executor(n_jobs: int, workers: int = 1, scheduler: str | None = None) -> Executor:
    """The executor for ``n_jobs`` replicates: no more local processes than jobs."""
    return make_executor(min(workers, n_jobs), scheduler, preload=[__name__])


def check_buildable(scenario: Scenario, base_dir: Path | None = None) -> CSPModel:
    """Build (but do not run) a model, to surface structural errors before any run."""
    load_duties(scenario, base_dir)
    build_geography(scenario.geography)
    return CSPModel(scenario, seed=0, base_dir=base_dir, with_agents=False)
