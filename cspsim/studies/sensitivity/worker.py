"""What a worker runs: one task of runs, each turned into one row of outputs or one failure.

The model is a function ``(values: dict[str, number], seed: int) -> dict[str, float]``:
either the cspsim model on the experiment's base scenario (``model = "cspsim"``), or any
importable function named ``"module:function"`` in the experiment file (analytic test
functions, surrogates, a deliberately failing model for tests). A run that raises is
recorded with its error and traceback and the task goes on.

Everything a worker needs travels in a small, picklable :class:`Runtime`; each process
prepares it once (base scenario, geography) and keeps it for later tasks of the same sweep.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cspsim.inputs.duties import DutyTable, load_duties
from cspsim.inputs.geography import build_geography
from cspsim.inputs.scenario import Scenario, with_values
from cspsim.model.model import CSPModel
from cspsim.model.timeline import quarter_starts
from cspsim.studies.executor import collect_cycles
from cspsim.studies.sensitivity.design import Task, Variable
from cspsim.studies.sensitivity.outcomes import OutcomeSpec, evaluate, series_of
from cspsim.studies.sensitivity.schema import import_model

ModelFn = Callable[[dict[str, Any], int], dict[str, float]]


@dataclass(frozen=True)
class Runtime:
    """What workers need to evaluate runs of one sweep.

    Attributes:
        key: Design key of the sweep (also the cache key in each worker).
        model: ``"cspsim"`` or ``"module:function"``.
        scenario: Base scenario (cspsim model only).
        base_dir: Folder that the scenario's relative paths are read from.
        outcomes: Output specs by store column, per-year ones included (cspsim model only).
        outputs: Store columns of the outputs, in order.
        variables: The varied inputs, in SALib column order.
        fixed: Values set in every run.
        policies: Lever values of each policy, in order; when given, a sample row starts
            with the policy's index (see :mod:`cspsim.studies.sensitivity.design`).
        series: Outcomes whose quarterly series each run also returns (cspsim model only).
    """

    key: str
    model: str
    scenario: Any
    base_dir: str | None
    outcomes: dict[str, OutcomeSpec]
    outputs: tuple[str, ...]
    variables: tuple[Variable, ...]
    fixed: dict[str, Any]
    policies: tuple[dict[str, Any], ...] = ()
    series: tuple[str, ...] = ()

    def values(self, row: np.ndarray) -> dict[str, Any]:
        """Model values of one sample row: fixed values, the row's policy, the varied inputs."""
        policy: dict[str, Any] = {}
        if self.policies:
            policy, row = self.policies[int(row[0])], row[1:]
        return {
            **self.fixed,
            **policy,
            **{v.name: v.to_model(x) for v, x in zip(self.variables, row, strict=True)},
        }


class CspsimModel:
    """The cspsim model on a base scenario, as a model function.

    The geography depends only on the scenario's ``[geography]``, which no parameter or
    lever changes, so it is built once per process and shared by the runs; duty tables are
    reused likewise (see :meth:`duties`).
    """

    def __init__(self, runtime: Runtime):
        self.base = runtime.scenario
        self.base_dir = Path(runtime.base_dir) if runtime.base_dir else None
        self.outcomes = runtime.outcomes
        self.geography = build_geography(self.base.geography)
        self._duties: dict[str, DutyTable] = {}

    def duties(self, scenario: Scenario) -> DutyTable:
        """The scenario's duty table, reused while the parts it is built from are unchanged
        (only duty levers change them; reading the catalogue is ~10% of a national run)."""
        key = json.dumps(
            [
                scenario.duties.model_dump(mode="json"),
                scenario.structure.hub_duties,
                scenario.levers.backbone_duties,
            ],
            sort_keys=True,
        )
        table = self._duties.get(key)
        if table is None:
            if len(self._duties) >= 64:  # a sweep over duty levers: do not grow without end
                self._duties.clear()
            table = self._duties[key] = load_duties(scenario, self.base_dir)
        return table

    def __call__(self, values: dict[str, Any], seed: int) -> dict[str, float]:
        """Run the scenario with ``values`` set and return every outcome."""
        return self.run(values, seed)[0]

    def run(
        self, values: dict[str, Any], seed: int, series: tuple[str, ...] = ()
    ) -> tuple[dict[str, float], dict[str, np.ndarray]]:
        """Every outcome, and the quarterly series of the outcomes named in ``series``."""
        scenario = with_values(self.base, values) if values else self.base
        m = CSPModel(
            scenario,
            seed=seed,
            base_dir=self.base_dir,
            geography=self.geography,
            duties=self.duties(scenario),
            with_agents=False,
        ).run()
        out = evaluate(m, self.outcomes), {n: series_of(m, self.outcomes[n]) for n in series}
        del m
        collect_cycles()  # free the finished model before the next run builds another
        return out

    def quarter_names(self) -> list[str]:
        """Column names of a stored series: each simulated quarter's first day (ISO)."""
        return [q.isoformat() for q in quarter_starts(self.base.time.start, self.base.time.end)]


#: Key of a task's result that holds its quarterly series (written to their own file).
SERIES_KEY = "series"


def _series_columns(
    task: Task, names: tuple[str, ...], runs: list[dict[str, np.ndarray]], quarters: list[str]
) -> dict[str, Any]:
    """A task's series as columns: a row per (run, outcome), a column per quarter (NaN for
    a failed run)."""
    rows = np.full((len(runs) * len(names), len(quarters)), np.nan)
    for i, series in enumerate(runs):
        for k, name in enumerate(names):
            if name in series:
                rows[i * len(names) + k] = series[name]
    return {
        "point": np.repeat(task.points.astype(np.int64), len(names)),
        "replicate": np.repeat(task.replicates.astype(np.int32), len(names)),
        "outcome": list(names) * len(runs),
        **{q: rows[:, j] for j, q in enumerate(quarters)},
    }


_PREPARED: dict[str, ModelFn] = {}


def model_function(runtime: Runtime) -> ModelFn:
    """The model function of a sweep, prepared once per process."""
    fn = _PREPARED.get(runtime.key)
    if fn is None:
        fn = CspsimModel(runtime) if runtime.model == "cspsim" else import_model(runtime.model)
        _PREPARED.clear()  # one sweep at a time per process: do not hold old models
        _PREPARED[runtime.key] = fn
    return fn


def run_task(runtime: Runtime, task: Task) -> dict[str, Any]:
    """Run every run of a task; return its chunk as columns (failures included).

    Returns:
        Columns ``point``, ``replicate``, ``seed``, ``ok``, one per output, ``error`` and
        ``traceback`` (None for runs that succeeded).
    """
    fn = model_function(runtime)
    n = len(task.points)
    out = {name: np.full(n, np.nan) for name in runtime.outputs}
    ok = np.zeros(n, dtype=bool)
    errors: list[str | None] = [None] * n
    tracebacks: list[str | None] = [None] * n
    runs_series: list[dict[str, np.ndarray]] = [{} for _ in range(n)]
    for i in range(n):
        try:
            values, seed = runtime.values(task.X[i]), int(task.seeds[i])
            if runtime.series:
                assert isinstance(fn, CspsimModel), "checks allow series for cspsim only"
                result, runs_series[i] = fn.run(values, seed, runtime.series)
            else:
                result = fn(values, seed)
            row = [float(result[name]) for name in runtime.outputs]
        except Exception as exc:  # a failing run is data, not a reason to stop the sweep
            errors[i] = f"{type(exc).__name__}: {exc}"
            tracebacks[i] = traceback.format_exc()
            continue
        for name, value in zip(runtime.outputs, row, strict=True):
            out[name][i] = value
        ok[i] = True
    extra = {}
    if runtime.series:
        assert isinstance(fn, CspsimModel), "checks allow series for cspsim only"
        extra[SERIES_KEY] = _series_columns(task, runtime.series, runs_series, fn.quarter_names())
    return extra | {
        "point": task.points.astype(np.int64),
        "replicate": task.replicates.astype(np.int32),
        "seed": task.seeds.astype(np.int64),
        "ok": ok,
        **out,
        "error": errors,
        "traceback": tracebacks,
    }
