"""Paired comparison of scenarios on common random numbers: run them, then tabulate.

Every scenario runs on the same replicate seeds, so replicate k of scenario B differs from
replicate k of the reference (the first scenario) only by what the scenarios change; the
tables and intervals are :mod:`cspsim.analysis.comparison`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cspsim.analysis.comparison import (
    Comparison,
    comparison_table,
    csp_table,
    headline_half_width,
    period_values,
    policy_window,
    shared_quarters,
)
from cspsim.inputs.scenario import Scenario
from cspsim.studies.runner import (
    Job,
    ProgressCounter,
    check_buildable,
    job_executor,
    replicate_seeds,
    run_jobs_by_csp,
)


def run_comparison(
    scenarios: list[Scenario],
    base_dirs: list[Path | None],
    root_seed: int,
    replicates: int,
    *,
    precision: float | None = None,
    max_replicates: int = 200,
    workers: int = 1,
    scheduler: str | None = None,
    engine: str = "arrays",
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run every scenario on the same replicate seeds and compare them with the first.

    With ``precision``, replicates are added in batches until the headline half-width is
    below it or ``max_replicates`` is reached (``reached`` says which).

    Args:
        workers: Local processes (1 = run here).
        scheduler: Dask scheduler address (instead of local processes).
        engine: Model engine (``"arrays"`` or ``"agents"``).
        progress: Called as ``progress(done, total)`` when a run finishes.
    """
    reference = scenarios[0].name
    target = replicates
    frames: list[pd.DataFrame] = []
    csps: list[pd.DataFrame] = []
    done, batches = 0, []
    most = max(replicates, max_replicates) if precision is not None else replicates
    # One executor for every batch (--precision may add batches).
    with job_executor(len(scenarios) * most, workers, scheduler) as ex:
        while True:
            seeds = replicate_seeds(root_seed, target)
            jobs = [
                Job(sc, k, seeds[k], base, csp_rows=False, engine=engine)
                for k in range(done, target)
                for sc, base in zip(scenarios, base_dirs, strict=True)
            ]
            counter = ProgressCounter(progress, len(scenarios) * done, len(scenarios) * target)
            for agg, csp in run_jobs_by_csp(jobs, counter, ex):
                frames.append(agg)
                csps.append(csp)
            batches.append(target - done)
            done = target
            frame = pd.concat(frames, ignore_index=True)
            shared = shared_quarters(frame)
            window = policy_window(shared, reference)
            table = comparison_table(period_values(shared, window), reference)
            hw = headline_half_width(table, reference)
            met = not math.isnan(hw) and hw <= precision if precision is not None else True
            if met or done >= max_replicates:
                break
            assert precision is not None  # without a precision, met is True
            # Interval width falls as 1/sqrt(n): aim for the target with 20% to spare, growing
            # by at most four times per batch so an early noisy estimate cannot overshoot far.
            need = done * (hw / precision) ** 2 * 1.2 if hw > 0 and not math.isnan(hw) else 2 * done
            target = int(min(max_replicates, max(done + 2, min(4 * done, math.ceil(need)))))
    reached = precision is None or (not math.isnan(hw) and hw <= precision)
    frame = frame.sort_values(["scenario", "replicate", "level", "unit", "step"], kind="stable")
    by_year = pd.concat(csps, ignore_index=True)
    csp = csp_table(by_year[by_year["fy"].isin(set(shared["fy"]))], reference, window)
    seeds = replicate_seeds(root_seed, done)
    return Comparison(frame, table, seeds, done, precision, hw, reached, batches, window, csp)


def csp_codes(scenario: Scenario) -> dict[str, str]:
    """Each CSP's councils' ONS codes ("E06000001, E06000002"), for a scenario of real
    places or of areas given by table under real councils' names (empty for the synthetic
    England, and for an area whose name is not a council's)."""
    if not scenario.geography.areas:
        return {}
    from cspsim.inputs.real_areas import councils

    model = check_buildable(scenario)
    out: dict[str, list[str]] = {}
    for ep in model.epochs:
        for a, name in enumerate(model.geo.names):
            try:
                codes = councils([name], scenario.time.start)
            except LookupError:
                continue
            found = out.setdefault(ep.csp_names[ep.csp_of_area[a]], [])
            found += [c for c in codes if c not in found]
    return {csp: ", ".join(codes) for csp, codes in out.items()}
