"""Calibration: fit the registry's ``calibrate = true`` parameters to survey targets.

Method (pattern-oriented: several survey tables at once):

1. **Quasi-random search.** A scrambled Sobol sample of the free parameters within their
   registry bounds; each point is run for the same replicate seeds (common random numbers,
   so the distance is a deterministic function of the parameters) up to the end of the
   survey year, and scored by the mean over tables of the mean total variation distance
   (:func:`cspsim.studies.validate.objective`). The best ``accept`` share of the points is kept as
   the near-optimal set (an approximate-Bayesian-computation rejection sample with a
   uniform prior over the bounds and the tolerance set by that share).
2. **Local refinement.** A compass (pattern) search from the best point: every parameter is
   moved up and down by a step (evaluated in parallel), the best improvement is taken, and
   the step is halved when none improves, down to ``min_step`` of each range.
3. **Polish.** Powell's conjugate-direction method from there (sequential, capped), which
   follows valleys where parameters must move together.

Runs are spread over a local process pool, or a Dask cluster given its scheduler's
address (:mod:`cspsim.studies.executor`); the results do not depend on which. Parameters of
the survey answer model do not change the simulation, so each worker reuses the simulated
state when only they differ.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from cspsim.analysis.outputs import run_frame
from cspsim.analysis.survey import csp_year_state, expected_answers
from cspsim.inputs.duties import load_duties
from cspsim.inputs.geography import build_geography
from cspsim.inputs.questions import T1_RESPONDENTS
from cspsim.inputs.registry import registry
from cspsim.inputs.scenario import Scenario, with_values
from cspsim.inputs.targets import respondent_mix
from cspsim.model.model import CSPModel
from cspsim.model.state import params_of
from cspsim.studies.executor import Executor, make_executor
from cspsim.studies.validate import distances, objective, survey_year_scenario, target_blocks


@dataclass(frozen=True)
class Setup:
    """Everything a worker needs to score parameter points (small and picklable).

    Attributes:
        scenario: Scenario the free parameters are set on (cut to the survey year here).
        names: Free parameters, in the order of a point's coordinates.
        targets: Output of :func:`cspsim.inputs.targets.load_targets`.
        year: Survey year.
        seeds: Replicate seeds, the same for every point.
        tables: Tables that make up the distance.
        base_dir: Folder the scenario's relative paths are read from.
        token: Identifies this setup in worker processes (each keeps one scorer per setup).
    """

    scenario: Scenario
    names: tuple[str, ...]
    targets: pd.DataFrame
    year: int
    seeds: tuple[int, ...]
    tables: tuple[str, ...]
    base_dir: str | None = None
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper registry bounds of the free parameters."""
        reg = registry()
        return (
            np.array([reg[n].lower for n in self.names]),
            np.array([reg[n].upper for n in self.names]),
        )

    def values(self, unit: np.ndarray) -> dict[str, float]:
        """Parameter values of a point given in the unit cube."""
        lo, hi = self.bounds()
        x = lo + np.clip(unit, 0.0, 1.0) * (hi - lo)
        return {n: float(v) for n, v in zip(self.names, x, strict=True)}

    def start(self) -> np.ndarray:
        """The scenario's own values of the free parameters, in the unit cube."""
        lo, hi = self.bounds()
        x = np.array([self.scenario.param(n) for n in self.names])
        return np.clip((x - lo) / (hi - lo), 0.0, 1.0)


class Scorer:
    """Scores points in one process, keeping simulated states for survey-only changes."""

    def __init__(self, setup: Setup, cache_size: int = 64):
        self.setup = setup
        self.base = survey_year_scenario(setup.scenario, setup.year)
        self.base_dir = Path(setup.base_dir) if setup.base_dir else None
        self.geography = build_geography(self.base.geography)
        self.duties = load_duties(self.base, self.base_dir)
        self.blocks = target_blocks(setup.targets)[0]
        self.keys = list({b.question.key: b.question for b in self.blocks}.values())
        self.mix = respondent_mix(setup.targets) or T1_RESPONDENTS
        self._states: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self.cache_size = cache_size

    def _state(self, scenario: Scenario, values: dict[str, float]) -> pd.DataFrame:
        key = tuple(sorted((n, v) for n, v in values.items() if not n.startswith("survey_")))
        state = self._states.get(key)
        if state is None:
            frames = []
            for r, seed in enumerate(self.setup.seeds):
                m = CSPModel(
                    scenario,
                    seed=seed,
                    base_dir=self.base_dir,
                    geography=self.geography,
                    duties=self.duties,
                    with_agents=False,
                )
                frames.append(run_frame(m.run(), scenario.name, r))
            state = csp_year_state(pd.concat(frames, ignore_index=True), self.setup.year)
            self._states[key] = state
            if len(self._states) > self.cache_size:
                self._states.popitem(last=False)
        return state

    def __call__(self, unit: np.ndarray) -> tuple[float, dict[str, float]]:
        """(distance, mean TVD per table) of a point in the unit cube."""
        values = self.setup.values(unit)
        scenario = with_values(self.base, values)
        state = self._state(scenario, values)
        expected = expected_answers(state, params_of(scenario), self.mix, self.keys)
        dist = distances(self.blocks, expected)
        tables = self.setup.tables
        per = {t: objective(self.blocks, dist, (t,)) for t in tables}
        return objective(self.blocks, dist, tables), {t: v for t, v in per.items() if v == v}


_SCORERS: dict[str, Scorer] = {}


def scorer_for(setup: Setup) -> Scorer:
    """This process's scorer for ``setup`` (built once; one calibration at a time)."""
    scorer = _SCORERS.get(setup.token)
    if scorer is None:
        _SCORERS.clear()
        scorer = _SCORERS[setup.token] = Scorer(setup)
    return scorer


def _score(setup: Setup, points: np.ndarray) -> list[tuple[float, dict[str, float]]]:
    """A task: score points with this process's scorer for ``setup``."""
    scorer = scorer_for(setup)
    return [scorer(p) for p in points]


def score(
    executor: Executor,
    points: np.ndarray,
    progress: Callable[[int], object] | None = None,
) -> list[tuple[float, dict[str, float]]]:
    """Scores of ``points`` (rows in the unit cube), in order, on an executor made with the
    setup as its shared object (:func:`cspsim.studies.executor.make_executor`)."""
    slots = executor.slots
    size = 1 if slots == 1 else max(1, min(16, len(points) // (4 * slots)))
    chunks = [points[i : i + size] for i in range(0, len(points), size)]
    scored = executor.map(_score, chunks, progress, weight=len)
    return [s for chunk in scored for s in chunk]


@dataclass
class Result:
    """Outcome of a calibration."""

    names: tuple[str, ...]
    values: dict[str, float]
    start_values: dict[str, float]
    start_distance: float
    start_tables: dict[str, float]
    distance: float
    tables: dict[str, float]
    near_optimal: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    history: list[float] = field(default_factory=list)


def calibrate(
    setup: Setup,
    points: int = 512,
    accept: float = 0.05,
    seed: int = 2009,
    workers: int = 1,
    scheduler: str | None = None,
    min_step: float = 1 / 64,
    max_iterations: int = 40,
    powell_evals: int = 0,
    progress: Callable[[int], object] | None = None,
) -> Result:
    """Quasi-random search, then compass search from the best point (see module doc).

    Args:
        setup: What to fit, to what.
        points: Quasi-random points (rounded up to a power of two).
        accept: Share of the points kept as the near-optimal set.
        seed: Seed of the scrambled Sobol sample.
        workers: Local processes.
        scheduler: Dask scheduler address (instead of local processes).
        min_step: Smallest compass step, as a share of each parameter's range.
        max_iterations: Most compass iterations.
        powell_evals: Most evaluations of the final Powell search (0: none).
        progress: Called with the number of points scored as they finish.
    """
    d = len(setup.names)
    m = int(np.ceil(np.log2(max(points, 2))))
    sample = qmc.Sobol(d, scramble=True, seed=np.random.default_rng(seed)).random_base2(m)
    start = setup.start()
    pool = make_executor(workers, scheduler, shared=setup, preload=[__name__])
    try:
        (f0, t0), *scored = score(pool, np.vstack([start, sample]), progress)
        f = np.array([s[0] for s in scored])
        order = np.argsort(f, kind="stable")
        keep = order[: max(1, round(accept * len(f)))]
        near = pd.DataFrame([setup.values(sample[i]) for i in keep])
        near.insert(0, "distance", f[keep])
        x, fx, tx = sample[order[0]], float(f[order[0]]), scored[order[0]][1]
        if f0 <= fx:
            x, fx, tx = start, f0, t0
        step, history, it = 0.25, [fx], 0
        while step >= min_step and it < max_iterations:
            it += 1
            moves = np.vstack([np.eye(d), -np.eye(d)]) * step
            cand = np.clip(x[None, :] + moves, 0.0, 1.0)
            res = score(pool, cand, progress)
            fc = np.array([r[0] for r in res])
            best = int(np.argmin(fc))
            if fc[best] < fx - 1e-9:
                x, fx, tx = cand[best], float(fc[best]), res[best][1]
            else:
                step /= 2
            history.append(fx)
        compass_fx = fx
        x, fx, powell_used = _powell(setup, x, fx, powell_evals, progress)
        history.append(fx)
        # What gets written is rounded; score exactly that.
        rounded = {n: _round(v) for n, v in setup.values(x).items()}
        lo, hi = setup.bounds()
        xr = (np.array([rounded[n] for n in setup.names]) - lo) / (hi - lo)
        fx, tx = score(pool, xr[None, :])[0]
    finally:
        pool.close()
    return Result(
        names=setup.names,
        values=rounded,
        start_values=setup.values(start),
        start_distance=f0,
        start_tables=t0,
        distance=fx,
        tables=tx,
        near_optimal=near,
        settings={
            "points": int(2**m),
            "accept": accept,
            "sobol_seed": seed,
            "min_step": min_step,
            "compass_iterations": it,
            "final_step": step,
            "powell_evals": powell_used,
            "distance_after_compass": compass_fx,
            "distance_after_powell": history[-1],
            "replicates": len(setup.seeds),
            "seeds": list(setup.seeds),
            "year": setup.year,
            "tables": list(setup.tables),
            "workers": pool.slots,
        },
        history=history,
    )


def _powell(
    setup: Setup,
    x: np.ndarray,
    fx: float,
    max_evals: int,
    progress: Callable[[int], object] | None,
) -> tuple[np.ndarray, float, int]:
    """Powell's conjugate-direction search from ``x``, in this process.

    The compass search moves one parameter at a time, so it stops where the fit improves
    only when two move together (e.g. police engagement up with demand up); Powell's method
    builds such directions from its own line searches. It is sequential, hence last and
    capped at ``max_evals`` evaluations.

    Returns:
        (best point, its distance, evaluations used).
    """
    if max_evals <= 0:
        return x, fx, 0
    from scipy.optimize import minimize

    scorer = scorer_for(setup)
    used = 0

    def f(unit: np.ndarray) -> float:
        nonlocal used
        used += 1
        if progress:
            progress(1)
        return scorer(np.clip(unit, 0.0, 1.0))[0]

    res = minimize(
        f,
        x,
        method="Powell",
        bounds=[(0.0, 1.0)] * len(x),
        options={"maxfev": max_evals, "xtol": 1e-3, "ftol": 1e-6},
    )
    if res.fun < fx:
        return np.clip(res.x, 0.0, 1.0), float(res.fun), used
    return x, fx, used


def _round(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}g}")


def overlay_text(result: Result, header: Sequence[str], name: str = "calibrated_2009") -> str:
    """The calibrated values as a scenario overlay (TOML), with ``header`` as comments."""
    lines = [f"# {h}".rstrip() for h in header]
    lines += [
        f'name = "{name}"',
        'description = "Survey-calibrated values of the free parameters (cspsim calibrate); '
        'an overlay for other scenarios."',
        "",
        "[parameters]",
    ]
    reg = registry()
    lines += [f"{n} = {result.values[n]!r}  # {reg[n].unit}" for n in result.names]
    return "\n".join(lines) + "\n"


def header_lines(result: Result, command: str, targets: str, held_out: Sequence[str]) -> list[str]:
    """Comment lines for the overlay: fit, method, settings, seed, near-optimal ranges."""
    s = result.settings
    nan = float("nan")
    per = ", ".join(
        f"{t} {result.start_tables.get(t, nan):.3f} -> {result.tables.get(t, nan):.3f}"
        for t in s["tables"]
    )
    near = result.near_optimal
    lines = [
        f"Calibrated overlay, written by `{command}` on {dt.date.today().isoformat()}.",
        "Do not edit by hand: re-run the command (docs/VALIDATION.md).",
        f"Targets: {targets}, year {s['year']}; fitted tables {' '.join(s['tables'])}; held "
        f"out (judged, never fitted): {' '.join(held_out) or 'none'}.",
        "Fit (mean over tables of mean total variation distance): "
        f"start {result.start_distance:.4f} -> calibrated {result.distance:.4f}.",
        f"Per table (start -> calibrated): {per}.",
        f"Method: scrambled Sobol quasi-random search ({s['points']} points, seed "
        f"{s['sobol_seed']}) within registry bounds, then compass search from the best point",
        f"({s['compass_iterations']} iterations, final step {s['final_step']:g} of each range),"
        f" then Powell's method ({s['powell_evals']} evaluations; distance"
        f" {s['distance_after_compass']:.4f} after the compass search,"
        f" {s['distance_after_powell']:.4f} after Powell, before rounding).",
        f"Replicates: {s['replicates']} per point, seeds {s['seeds']} (common random numbers).",
        f"Near-optimal set: best {s['accept']:.0%} of the quasi-random points ({len(near)} points,"
        " distance"
        f" {near['distance'].min():.3f}-{near['distance'].max():.3f}); 5-95% ranges:",
    ]
    for n in result.names:
        q = near[n].quantile([0.05, 0.95]).to_numpy()
        lines.append(f"  {n}: {_round(q[0], 3):g} - {_round(q[1], 3):g}")
    lines.append("")
    return lines
