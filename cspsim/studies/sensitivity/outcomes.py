"""Scalar outcomes of a run for sensitivity analysis, defined once in ``experiments/outcomes.toml``.

An outcome is a measure (a column of ``cspsim.analysis.outputs.OUTCOMES``, or ``share_met__<duty>``)
read at one level (``national`` or one authority type), over a period of years, and reduced
to one number by an aggregation over the period's quarters. For example "mean share of demand
met 2020-2024, England" is ``measure = "share_met"``, ``level = "national"``,
``years = [2020, 2024]``, ``aggregate = "mean"``.

Each quarter's group value follows ``cspsim.analysis.outputs.run_frame`` exactly (a test checks it):
shares met are total delivery over total demand; FTE and money are totals; engagement and
post shares are means over the group's CSPs (a CSP's engagement is the population-weighted
mean over its areas). The values are computed straight from the model's per-step records,
which is much faster than building the full run table.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from cspsim.analysis.outputs import OUTCOMES, outcome_unit
from cspsim.vocab import AUTHORITY_TYPES, PARTNER_TYPES

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel
    from cspsim.model.world import Epoch

Level = Literal["national", "district_borough", "unitary", "metropolitan", "london_borough"]
_SUMMED = ("demand_fte", "delivered_fte", "unmet_fte", "spend_gbp", "team_fte")
_AGGREGATES: dict[str, Callable[[np.ndarray], Any]] = {
    "mean": np.nanmean,
    "sum": np.nansum,
    "min": np.nanmin,
    "max": np.nanmax,
    "first": lambda v: v[0],
    "last": lambda v: v[-1],
}


class OutcomeSpec(BaseModel):
    """One named scalar outcome (an entry of ``experiments/outcomes.toml``).

    Attributes:
        measure: Per-quarter measure: a name in ``cspsim.analysis.outputs.OUTCOMES`` or
            ``share_met__<duty id>``.
        level: ``national`` or an authority type (the CSPs of that type).
        years: First and last year of the period (inclusive); one year may be given alone.
        year_basis: ``calendar`` (year of the quarter's first day) or ``financial``
            (April-March, named by the year it starts).
        aggregate: How the period's quarterly values become one number.
        description: One line for tables and plots.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: str
    level: Level = "national"
    years: tuple[int, int]
    year_basis: Literal["calendar", "financial"] = "calendar"
    aggregate: Literal["mean", "sum", "min", "max", "first", "last"] = "mean"
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _one_year(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("years"), int):
            return {**data, "years": (data["years"], data["years"])}
        return data

    @model_validator(mode="after")
    def _check(self) -> OutcomeSpec:
        base = self.measure.split("__")[0]
        if self.measure not in OUTCOMES and base != "share_met":
            raise ValueError(
                f"unknown measure '{self.measure}'; one of {sorted(OUTCOMES)} or "
                "share_met__<duty id>"
            )
        if self.years[0] > self.years[1]:
            raise ValueError(f"years: first ({self.years[0]}) is after last ({self.years[1]})")
        return self

    @property
    def unit(self) -> str:
        """Unit of the outcome: the measure's; for a sum over the period's quarters, ``gbp``
        for spend and ``<unit> x quarters`` otherwise."""
        unit = outcome_unit(self.measure)
        if self.aggregate == "sum":
            if unit == "gbp_per_quarter":
                return "gbp"
            return f"{unit} x quarters"
        return unit

    def for_year(self, year: int) -> OutcomeSpec:
        """The same outcome restricted to a single year (for per-year indices)."""
        return self.model_copy(update={"years": (year, year)})


class OutcomeFileError(Exception):
    """An outcomes file could not be read; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def load_outcomes(path: Path) -> dict[str, OutcomeSpec]:
    """Read and validate an outcomes file (one table per outcome name).

    Raises:
        OutcomeFileError: one line per problem, ``FILE: name.field: message``.
    """
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise OutcomeFileError([f"{path}: cannot read: {exc.strerror}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise OutcomeFileError([f"{path}: not valid TOML: {exc}"]) from None
    specs, problems = {}, []
    for name, entry in raw.items():
        try:
            specs[name] = OutcomeSpec.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in (name, *err["loc"]))
                problems.append(f"{path}: {loc}: {err['msg'].removeprefix('Value error, ')}")
    if problems:
        raise OutcomeFileError(problems)
    return specs


def model_problems(spec: OutcomeSpec, model: CSPModel) -> list[str]:
    """Why ``spec`` cannot be measured on this scenario (checked on a built model), or []."""
    problems = []
    if spec.measure.startswith("share_met__"):
        duty = spec.measure.removeprefix("share_met__")
        if duty not in model.duties.ids:
            problems.append(
                f"duty '{duty}' is not in this scenario ({', '.join(model.duties.ids)})"
            )
    years = _years(model, spec.year_basis)
    lo, hi = int(years.min()), int(years.max())
    if spec.years[0] < lo or spec.years[1] > hi:
        problems.append(
            f"years {spec.years[0]}-{spec.years[1]} fall outside the simulated "
            f"{spec.year_basis} years {lo}-{hi}"
        )
    if spec.level != "national":
        code = AUTHORITY_TYPES.index(spec.level)
        if not any((ep.csp_type == code).any() for ep in model.epochs):
            problems.append(f"the scenario has no {spec.level} CSPs")
    return problems


def _years(model: CSPModel, basis: str) -> np.ndarray:
    if basis == "financial":
        return np.asarray(model.sched.fy)
    return np.array([q.year for q in model.sched.quarters])


def evaluate(model: CSPModel, specs: dict[str, OutcomeSpec]) -> dict[str, float]:
    """Every outcome of a finished run, by name (NaN where the group has no value)."""
    series: dict[tuple[str, str], np.ndarray] = {}
    sums: dict[str, np.ndarray] = {}  # per (step, area) totals shared by the measures
    out: dict[str, float] = {}
    for name, spec in specs.items():
        key = (spec.measure, spec.level)
        if key not in series:
            series[key] = quarterly(model, spec.measure, spec.level, sums)
        years = _years(model, spec.year_basis)
        sel = series[key][(years >= spec.years[0]) & (years <= spec.years[1])]
        finite = sel[~np.isnan(sel)]
        out[name] = float(_AGGREGATES[spec.aggregate](finite)) if finite.size else float("nan")
    return out


def quarterly(
    model: CSPModel, measure: str, level: str, sums: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """The measure for the group in every simulated quarter, shape (steps,).

    Args:
        model: A finished run.
        measure: Measure name (see :class:`OutcomeSpec`).
        level: ``national`` or an authority type.
        sums: Cache of (step, area) totals, shared between calls on the same run.
    """
    sums = {} if sums is None else sums
    values = np.full(model.sched.n_steps, np.nan)
    for k, ep in enumerate(model.epochs):
        steps = np.flatnonzero(model.epoch_of_step == k)
        if steps.size == 0:
            continue
        # An epoch's steps are consecutive: a slice keeps the record arrays as views.
        span = slice(int(steps[0]), int(steps[-1]) + 1)
        csp_in = np.ones(len(ep.csp_names), bool)
        if level != "national":
            csp_in = ep.csp_type == AUTHORITY_TYPES.index(level)
        if csp_in.any():
            values[span] = _measure(model, span, ep, csp_in, measure, sums)
    return values


def _area_totals(model: CSPModel, measure: str, sums: dict[str, np.ndarray]) -> np.ndarray:
    """Per (step, area) demand or delivery, all duties or one (computed once per run)."""
    if measure not in sums:
        rec = model.rec
        if "__" in measure:  # demand__<duty> / delivered__<duty>
            what, duty = measure.split("__")
            d = model.duties.ids.index(duty)
            sums[measure] = getattr(rec, what)[:, :, d]
        else:
            sums[measure] = getattr(rec, measure).sum(axis=2)
    return sums[measure]


def _by_csp(values: np.ndarray, ep: Epoch) -> np.ndarray:
    """Sum (step, area) values over each CSP's areas -> (step, CSP)."""
    n_csp = len(ep.csp_names)
    if n_csp == len(ep.csp_of_area) and (ep.csp_of_area == np.arange(n_csp)).all():
        return values  # one area per CSP (the 2009 structure): nothing to add up
    s = values.shape[0]
    keys = (np.arange(s)[:, None] * n_csp + ep.csp_of_area[None, :]).ravel()
    return np.bincount(keys, weights=values.ravel(), minlength=s * n_csp).reshape(s, n_csp)


def _measure(
    model: CSPModel,
    span: slice,
    ep: Epoch,
    csp_in: np.ndarray,
    measure: str,
    sums: dict[str, np.ndarray],
) -> np.ndarray:
    """One epoch's per-step values of a measure over the CSPs ``csp_in``."""
    rec = model.rec
    areas = csp_in[ep.csp_of_area]
    every = bool(areas.all())
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure in ("share_met", "demand_fte", "delivered_fte", "unmet_fte") or (
            measure.startswith("share_met__")
        ):
            suffix = measure.removeprefix("share_met") if measure.startswith("share_met") else ""
            dem = _area_totals(model, "demand" + suffix, sums)[span]
            dlv = _area_totals(model, "delivered" + suffix, sums)[span]
            dem = dem.sum(axis=1) if every else dem[:, areas].sum(axis=1)
            dlv = dlv.sum(axis=1) if every else dlv[:, areas].sum(axis=1)
            if measure.startswith("share_met"):
                return np.where(dem > 0, dlv / np.where(dem > 0, dem, 1.0), np.nan)
            return {"demand_fte": dem, "delivered_fte": dlv, "unmet_fte": dem - dlv}[measure]
        if measure in ("spend_gbp", "team_fte"):
            arr = getattr(rec, measure)[span]
            return arr.sum(axis=1) if every else arr[:, areas].sum(axis=1)
        # Measures averaged over CSPs: per-CSP values first.
        if measure.startswith("eng_"):
            kind, partner = measure.removeprefix("eng_").split("__")
            arr = getattr(rec, f"eng_{kind}")[span, PARTNER_TYPES.index(partner)]  # (s, a)
            has = ~np.isnan(arr)
            pop = model.geo.population
            num = _by_csp(np.where(has, arr, 0.0) * pop, ep)
            den = _by_csp(has * pop, ep)
            csp_val = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        elif measure in ("analyst_share", "coordinator_share"):
            post = getattr(rec, measure.removesuffix("_share"))[span].astype(float)
            csp_val = (_by_csp(post, ep) > 0).astype(float)
        elif measure == "capacity_limited":
            dem = _by_csp(_area_totals(model, "demand", sums)[span], ep)
            dlv = _by_csp(_area_totals(model, "delivered", sums)[span], ep)
            share = np.where(dem > 0, dlv / np.where(dem > 0, dem, 1.0), np.nan)
            csp_val = (share < model.P.capacity_limited_threshold).astype(float)
        else:  # pragma: no cover - OutcomeSpec rejects other measures
            raise ValueError(f"unknown measure {measure}")
        sub = csp_val if csp_in.all() else csp_val[:, csp_in]
        cnt = (~np.isnan(sub)).sum(axis=1)
        return np.where(cnt > 0, np.nansum(sub, axis=1) / np.maximum(cnt, 1), np.nan)
