"""The design of a sweep: the SALib problem, the sample, the replicate seeds and the runs.

An exploration design with ``policies`` (EMA Workbench's XLRM: levers in a few named
policies, uncertainties sampled) runs every policy on the same sampled scenarios: sample
point ``i * S + j`` is policy ``i`` on scenario ``j`` (of ``S``), and the sample gets a first
column ``policy`` holding ``i``.

A *sample point* is one row of the SALib design; each point is run with the same
``replicates`` seeds (from ``numpy.random.SeedSequence(seed)``; common random numbers, so
differences between points are not blurred by different noise). Run ``r`` is point
``r // replicates``, replicate ``r % replicates``; a *task* is a fixed block of consecutive
runs and writes one chunk of the store. Whatever the number of workers or tasks, a run's
inputs and seed depend only on the experiment.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from cspsim.studies.runner import replicate_seeds
from cspsim.studies.sensitivity.checks import group_names, known_spec, varied_names
from cspsim.studies.sensitivity.methods import METHODS, Method, options_of, run_options
from cspsim.studies.sensitivity.methods import sample as draw
from cspsim.studies.sensitivity.outcomes import per_year_name
from cspsim.studies.sensitivity.schema import Loaded


@dataclass(frozen=True)
class Variable:
    """One varied input as SALib sees it, and how a sampled value reaches the model.

    Integer, boolean and choice parameters are sampled on ``[lower, upper + 1)`` and floored,
    so every whole value has the same probability.
    """

    name: str
    kind: str
    lower: float
    upper: float
    dist: str = "unif"
    peak: float | None = None
    mean: float | None = None
    sd: float | None = None
    group: str | None = None
    levels: tuple[float, ...] | None = None

    @property
    def discrete(self) -> bool:
        """Whether the model takes whole values."""
        return self.kind in ("integer", "boolean", "choice")

    def salib_bounds(self) -> list[float]:
        """The SALib ``bounds`` entry (its meaning depends on ``dist``)."""
        lo, hi = self.lower, self.upper
        if self.dist == "triang":
            assert self.peak is not None, "ParameterSpec requires a peak for triang"
            return [lo, hi, (self.peak - lo) / (hi - lo)]
        if self.dist == "truncnorm":
            assert self.mean is not None and self.sd is not None, "checked by ParameterSpec"
            return [lo, hi, self.mean, self.sd]
        return [lo, hi + 1.0] if self.discrete else [lo, hi]

    def to_model(self, x: float) -> float | int:
        """The value the model gets for a sampled ``x`` (a Python number, not numpy)."""
        if self.discrete:
            return int(min(math.floor(x), self.upper))
        # SALib scales by lower + u * (upper - lower), which can land a rounding error past a
        # bound (0.3 + 1.0 * 0.55 = 0.8500000000000001), and the registry rejects that value.
        return float(min(max(x, self.lower), self.upper))


@dataclass(frozen=True)
class Design:
    """Everything that fixes the runs of an experiment (and nothing about how they run)."""

    method: str
    N: int
    options: dict[str, Any]
    seed: int
    replicates: int
    variables: tuple[Variable, ...]
    fixed: dict[str, Any]
    grouped: bool
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def spec(self) -> Method:
        """The SALib method."""
        return METHODS[self.method]

    def problem(self) -> dict[str, Any]:
        """The SALib problem dict."""
        problem: dict[str, Any] = {
            "num_vars": len(self.variables),
            "names": [v.name for v in self.variables],
            "bounds": [v.salib_bounds() for v in self.variables],
        }
        if any(v.dist != "unif" for v in self.variables):
            problem["dists"] = [v.dist for v in self.variables]
        if self.grouped:
            problem["groups"] = [v.group for v in self.variables]
        if self.method == "factorial":
            problem["levels"] = [v.levels for v in self.variables]
        return problem

    @property
    def n_scenarios(self) -> int:
        """Rows of the sample of the varied inputs (each policy runs on all of them)."""
        return self.N

    def sample(self) -> np.ndarray:
        """The design, one row per sample point (with policies: a ``policy`` column first,
        and every policy on the same rows of the varied inputs)."""
        X = draw(self.spec, self.problem(), self.N, self.options, self.seed)
        if not self.policies:
            return X
        index = np.repeat(np.arange(len(self.policies), dtype=float), len(X))
        return np.column_stack([index, np.tile(X, (len(self.policies), 1))])

    def seeds(self) -> list[int]:
        """Replicate seeds, the same for every sample point."""
        return replicate_seeds(self.seed, self.replicates)

    def n_blocks(self) -> int:
        """Blocks of the design (see :mod:`cspsim.studies.sensitivity.methods`)."""
        return self.N if self.spec.nested else 1


def build_design(loaded: Loaded) -> Design:
    """The design of a checked experiment."""
    spec = loaded.spec
    values = spec.model_dump()
    values["parameters"] = spec.parameters  # keep the ParameterSpec objects
    names = varied_names(values)
    groups = group_names(values)
    grouped = bool(spec.groups) or (
        isinstance(spec.parameters, dict) and any(p.group for p in spec.parameters.values())
    )
    variables = []
    for name, group in zip(names, groups, strict=True):
        p = spec.parameters.get(name) if isinstance(spec.parameters, dict) else None
        kind, bounds = "real", p.bounds if p is not None else None
        if spec.model == "cspsim":
            reg = known_spec(name)
            kind, bounds = reg.kind, bounds or (reg.lower, reg.upper)
        assert bounds is not None, "cross_checks require bounds for a function model"
        var = Variable(
            name, kind, float(bounds[0]), float(bounds[1]), group=group if grouped else None
        )
        if p is not None:
            var = replace(var, dist=p.dist, peak=p.peak, mean=p.mean, sd=p.sd)
        if p is not None and p.levels is not None:
            var = replace(var, levels=tuple(_level(name, x, spec.model) for x in p.levels))
        variables.append(var)
    n = spec.N
    if spec.method == "factorial":
        n = math.prod(len(v.levels or ()) for v in variables)
    return Design(
        method=spec.method,
        N=int(n or 0),
        options=options_of(METHODS[spec.method], spec.options),
        seed=spec.seed,
        replicates=spec.replicates,
        variables=tuple(variables),
        fixed=dict(spec.fixed),
        grouped=grouped,
        policies={k: dict(v) for k, v in spec.policies.items()},
    )


def _level(name: str, value: float | str, model: str) -> float:
    """A factorial level as the number the sample holds (a choice's name -> its index)."""
    if isinstance(value, str):
        assert model == "cspsim", "checks refuse named levels for function models"
        return float(known_spec(name).choices.index(value))
    return float(value)


def output_names(loaded: Loaded, old_form: bool = False) -> list[str]:
    """Store columns of the outputs: each outcome, then ``NAME in YEAR`` for per-year indices
    (``NAME@YEAR`` with ``old_form``, as stores written before that name was changed)."""
    names = list(loaded.spec.outcomes)
    per_year = (lambda n, y: f"{n}@{y}") if old_form else per_year_name
    return names + [per_year(n, y) for n in loaded.spec.outcomes for y in loaded.spec.years]


#: Design keys of older stores that still hold the same runs: (every option hashed, old
#: per-year column names). Analysis options left the key first, then the names changed.
LEGACY_KEYS = ((False, True), (True, True))


def design_key(
    loaded: Loaded,
    design: Design,
    X: np.ndarray,
    legacy: bool = False,
    old_names: bool = False,
) -> str:
    """Fingerprint of everything that determines the runs (the sample itself included, so a
    SALib that samples differently cannot resume an old store).

    Analysis-only options (``resamples``, ``conf_level``) are left out: they change no run, so
    a finished sweep can be re-analysed with others. ``legacy=True`` gives the key of stores
    written before that change (which hashed every option), and ``old_names=True`` that of
    stores with ``NAME@YEAR`` per-year columns, so they can still be resumed.
    """
    if not legacy:
        design = replace(design, options=run_options(design.options))
    scenario = None
    if loaded.scenario is not None:
        scenario = loaded.scenario.model_dump(mode="json", exclude={"source_file"})
    payload = {
        "design": _fingerprint(design),
        "model": loaded.spec.model,
        "scenario": scenario,
        "outcomes": {k: v.fingerprint() for k, v in loaded.outcomes.items()},
        "outputs": output_names(loaded, old_names),
        "sample_sha256": hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest(),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _fingerprint(design: Design) -> dict[str, Any]:
    """The design as a dict, without the exploration fields it does not use (so the keys of
    sweeps written before those fields existed are unchanged)."""
    out = asdict(design)
    if not design.policies:
        del out["policies"]
    for var in out["variables"]:
        if var["levels"] is None:
            del var["levels"]
    return out


@dataclass(frozen=True)
class Task:
    """A block of runs ``[start, stop)``: one task for a worker, one chunk in the store."""

    index: int
    points: np.ndarray
    replicates: np.ndarray
    seeds: np.ndarray
    X: np.ndarray


def n_tasks(n_runs: int, runs_per_task: int) -> int:
    """Number of tasks (the last may be short)."""
    return -(-n_runs // runs_per_task)


def make_task(index: int, runs_per_task: int, X: np.ndarray, seeds: list[int]) -> Task:
    """The runs of task ``index``."""
    R = len(seeds)
    runs = np.arange(index * runs_per_task, min((index + 1) * runs_per_task, len(X) * R))
    points, reps = runs // R, runs % R
    return Task(index, points, reps, np.asarray(seeds, dtype=np.int64)[reps], X[points])
