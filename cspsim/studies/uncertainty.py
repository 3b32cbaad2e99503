"""``cspsim compare --uncertainty calibration``: every scenario over parameter sets drawn
from the calibration's near-optimal set, on common random numbers.

Run (set j, replicate k) of every scenario uses seed number j * R + k of the root seed's
replicate seeds (``replicate_seeds(root, P * R)``), so set 0 uses exactly the seeds of a
plain comparison with R replicates, and a near-optimal set of one point reproduces it.
The statistics are :mod:`cspsim.analysis.uncertainty`'s.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cspsim.analysis.comparison import Comparison, policy_window
from cspsim.analysis.narrative import Periods, calibration_html, calibration_lines
from cspsim.analysis.uncertainty import period_parts, uncertainty_table, values_from_parts
from cspsim.inputs.registry import registry
from cspsim.inputs.scenario import Scenario, with_values
from cspsim.paths import CONFIGS_DIR
from cspsim.studies.runner import Job, ProgressCounter, job_executor, replicate_seeds, run_job

#: The near-optimal set ``cspsim calibrate`` writes beside the overlay the baseline extends.
NEAR_OPTIMAL = CONFIGS_DIR / "calibrated_2009_near_optimal.csv"
#: Seed of the draw of parameter sets (fixed: the same sets for every comparison).
DRAW_SEED = 2009


class UncertaintyError(ValueError):
    """The near-optimal set cannot be used (one line)."""


def load_near_optimal(path: str | Path | None = None) -> pd.DataFrame:
    """The near-optimal parameter sets: one row per set, one column per registry parameter
    (the file's ``distance`` column, the fit, is dropped).

    Raises:
        UncertaintyError: missing or unreadable file, no rows, or a column that is not a
            registry parameter.
    """
    path = Path(path) if path is not None else NEAR_OPTIMAL
    try:
        points = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UncertaintyError(f"{path}: cannot read the near-optimal set ({exc})") from None
    points = points.drop(columns="distance", errors="ignore")
    unknown = [c for c in points.columns if c not in registry()]
    if unknown:
        raise UncertaintyError(f"{path}: not registry parameters: {', '.join(unknown)}")
    if points.empty or points.isna().any().any():
        raise UncertaintyError(f"{path}: needs at least one complete row of parameter values")
    return points


def draw_sets(points: pd.DataFrame, n: int | None) -> list[dict[str, float]]:
    """``n`` parameter sets drawn with replacement (seed :data:`DRAW_SEED`) from the
    near-optimal points, or every point once when ``n`` is None."""
    rows = points.to_dict("records")
    if n is None:
        return [{str(k): float(v) for k, v in r.items()} for r in rows]
    picks = np.random.default_rng(DRAW_SEED).integers(len(rows), size=n)
    return [{str(k): float(v) for k, v in rows[i].items()} for i in picks]


UNCERTAINTY = ("replicates", "calibration")


def calibration_sets(
    uncertainty: str,
    precision: float | None,
    parameter_sets: int | None,
    near_optimal: str | Path | None,
) -> list[dict[str, float]] | None:
    """The parameter sets of ``--uncertainty calibration`` (None for ``replicates``).

    Raises:
        UncertaintyError: an unknown mode, a mode that does not go with ``precision``, a
            count below 1, or an unusable near-optimal set.
    """
    if uncertainty not in UNCERTAINTY:
        raise UncertaintyError(f"must be one of {', '.join(UNCERTAINTY)}, not {uncertainty!r}")
    if uncertainty == "replicates":
        if parameter_sets is not None or near_optimal is not None:
            raise UncertaintyError("--parameter-sets and --near-optimal need calibration")
        return None
    if precision is not None:
        raise UncertaintyError("calibration does not go with --precision (fixed replicates)")
    if parameter_sets is not None and parameter_sets < 1:
        raise UncertaintyError("calibration needs --parameter-sets of at least 1")
    return draw_sets(load_near_optimal(near_optimal), parameter_sets)


def check_arms(scenarios: list[Scenario], names: list[str]) -> None:
    """Refuse a comparison whose scenarios set a calibrated parameter differently (the
    parameter sets would overwrite what the scenario changes) or simulate different
    periods (each run is reduced to sums by period where it ran)."""
    if len({(s.time.start, s.time.end) for s in scenarios}) > 1:
        raise UncertaintyError(
            "calibration needs scenarios that simulate the same quarters ([time] start and "
            "end); projection_2030 is the baseline run to March 2030"
        )
    ref = scenarios[0].parameters
    for s in scenarios[1:]:
        moved = [n for n in names if s.parameters.get(n) != ref.get(n)]
        if moved:
            raise UncertaintyError(
                f"{s.name} changes calibrated parameters ({', '.join(moved)}), which "
                "--uncertainty calibration sets from the near-optimal set: compare it "
                "without --uncertainty calibration"
            )


def run_one(_: None, job: Job) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One run: its national time series and its sums by period (all that is kept)."""
    frame = run_job(job)
    national = frame[frame["level"] == "national"].reset_index(drop=True)
    return national, period_parts(frame)


def run_uncertain_comparison(
    scenarios: list[Scenario],
    base_dirs: list[Path | None],
    root_seed: int,
    replicates: int,
    sets: list[dict[str, float]],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    engine: str = "arrays",
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run every scenario under every parameter set, ``replicates`` times each, and compare
    each with the first over parameter sets and replicates together.

    Returns:
        A :class:`Comparison` whose ``replicates`` is R, ``parameter_sets`` P, ``seeds``
        the P x R seeds (set-major), ``frame`` the national rows of every run (replicate
        number j * R + k) and ``table`` :func:`uncertainty_table`'s; no per-CSP table.
    """
    check_arms(scenarios, list(sets[0]))
    seeds = replicate_seeds(root_seed, len(sets) * replicates)
    jobs = []
    for j, values in enumerate(sets):
        # Keep each arm's name (with_values rebuilds it from its file's form).
        arms = [with_values(sc, values).model_copy(update={"name": sc.name}) for sc in scenarios]
        for k in range(replicates):
            r = j * replicates + k
            jobs += [
                Job(arm, r, seeds[r], base, csp_rows=False, engine=engine)
                for arm, base in zip(arms, base_dirs, strict=True)
            ]
    counter = ProgressCounter(progress, 0, len(jobs))
    with job_executor(len(jobs), workers, scheduler) as ex:
        results = ex.map(run_one, jobs, counter)
    frame = pd.concat([r[0] for r in results], ignore_index=True)
    parts = pd.concat([r[1] for r in results], ignore_index=True)
    reference = scenarios[0].name
    window = policy_window(frame, reference)
    table = uncertainty_table(values_from_parts(parts, window), reference, replicates)
    frame = frame.sort_values(["scenario", "replicate", "step"], kind="stable")
    comp = Comparison(frame, table, seeds, replicates, None, float("nan"), True, [replicates])
    comp.window_fy, comp.parameter_sets = window, len(sets)
    return comp


def uncertainty_meta(
    comp: Comparison,
    reference: str,
    workers: int,
    near_optimal: str | Path | None,
    runs: int,
) -> dict[str, Any]:
    """What ``compare`` writes about the calibration uncertainty: manifest entries, and the
    report's section and brief's lines (keys ``sections`` and ``brief_lines``)."""
    cost = (
        f"{comp.parameter_sets} parameter sets × {comp.replicates} replicates × "
        f"{runs // (comp.parameter_sets * comp.replicates)} scenarios = {runs:,} runs in "
        f"{comp.wall_time_s / 60:.1f} minutes on {workers} worker(s) (load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end: other work slows it)"
    )
    periods = Periods(comp.window_fy, int(comp.frame["fy"].min()), int(comp.frame["fy"].max()))
    return {
        "uncertainty": "calibration",
        "parameter_sets": comp.parameter_sets,
        "near_optimal": str(Path(near_optimal or NEAR_OPTIMAL).resolve()),
        "runs": runs,
        "cost": cost,
        "sections": calibration_html(comp.table, reference, cost, periods),
        "brief_lines": calibration_lines(comp.table, reference, cost, periods),
    }
