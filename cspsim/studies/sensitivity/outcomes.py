"""Scalar outcomes of a run for sensitivity analysis, defined once in ``experiments/outcomes.toml``.

An outcome is a measure (a column of ``cspsim.analysis.outputs.OUTCOMES``, or ``share_met__<duty>``)
read at one level (``national`` or one authority type), over a period of years, and reduced
to one number by an aggregation over the period's quarters. For example "mean share of demand
met 2020-2024, England" is ``measure = "share_met"``, ``level = "national"``,
``years = [2020, 2024]``, ``aggregate = "mean"``.

Derived outcomes (see ``docs/SENSITIVITY.md``): ``minus`` or ``divided_by`` another period
gives a difference or a ratio between periods; ``share_below`` or ``share_above`` a threshold
gives, per quarter, the share of the group's CSPs (or areas) past it; ``areas`` restricts the
group to the CSPs covering named council areas.

Each quarter's group value follows ``cspsim.analysis.outputs.run_frame`` exactly (a test checks
it; :mod:`cspsim.studies.sensitivity.measures`), computed straight from the model's per-step
records, which is much faster than building the full run table.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from cspsim.analysis.outputs import OUTCOMES, outcome_unit
from cspsim.studies.sensitivity.measures import quarterly, quarterly_share
from cspsim.vocab import AUTHORITY_TYPES

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel

Level = Literal["national", "district_borough", "unitary", "metropolitan", "london_borough"]
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
        areas: Council area names: only the CSPs that cover any of them (with ``level =
            "national"``); checked against the scenario's areas.
        years: First and last year of the period (inclusive); one year may be given alone.
        year_basis: ``calendar`` (year of the quarter's first day) or ``financial``
            (April-March, named by the year it starts).
        aggregate: How the period's quarterly values become one number.
        minus: A second period: the outcome is (value over ``years``) minus (value over
            ``minus``), both computed the same way.
        divided_by: A second period: the outcome is (value over ``years``) divided by (value
            over ``divided_by``); NaN when that is 0.
        share_below: Exceedance: instead of the measure, each quarter's share of the group's
            CSPs (or areas, see ``among``) whose own value is below this threshold.
        share_above: The same, above the threshold.
        among: ``csps`` (default) or ``areas``: the units an exceedance share counts.
        description: One line for tables and plots.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: str
    level: Level = "national"
    areas: tuple[str, ...] = ()
    years: tuple[int, int]
    year_basis: Literal["calendar", "financial"] = "calendar"
    aggregate: Literal["mean", "sum", "min", "max", "first", "last"] = "mean"
    minus: tuple[int, int] | None = None
    divided_by: tuple[int, int] | None = None
    share_below: float | None = None
    share_above: float | None = None
    among: Literal["csps", "areas"] = "csps"
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _one_year(cls, data: object) -> object:
        if isinstance(data, dict):
            periods = {k: (v, v) for k in _PERIODS if isinstance(v := data.get(k), int)}
            return {**data, **periods}
        return data

    @model_validator(mode="after")
    def _check(self) -> OutcomeSpec:
        base = self.measure.split("__")[0]
        if self.measure not in OUTCOMES and base != "share_met":
            close = difflib.get_close_matches(self.measure, list(OUTCOMES), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ValueError(
                f"unknown measure '{self.measure}'; {hint}one of {sorted(OUTCOMES)} or "
                "share_met__<duty id>"
            )
        for key in _PERIODS:
            period = getattr(self, key)
            if period is not None and period[0] > period[1]:
                raise ValueError(f"{key}: first ({period[0]}) is after last ({period[1]})")
        if self.minus is not None and self.divided_by is not None:
            raise ValueError("give minus or divided_by, not both")
        if self.share_below is not None and self.share_above is not None:
            raise ValueError("give share_below or share_above, not both")
        if self.among != "csps" and self.threshold is None:
            raise ValueError("among only applies with share_below or share_above")
        if self.areas and self.level != "national":
            raise ValueError("areas already names the CSPs: leave level at 'national'")
        if len(set(self.areas)) != len(self.areas):
            raise ValueError("areas: a name is listed twice")
        return self

    @property
    def threshold(self) -> float | None:
        """The exceedance threshold (``share_below`` or ``share_above``), or None."""
        return self.share_below if self.share_below is not None else self.share_above

    @property
    def kind(self) -> str:
        """``level``, ``difference`` or ``ratio`` (of two periods)."""
        if self.minus is not None:
            return "difference"
        return "ratio" if self.divided_by is not None else "level"

    @property
    def unit(self) -> str:
        """Unit of the outcome: the measure's (``share_of_csps`` or ``share_of_areas`` for an
        exceedance); for a sum over the period's quarters, ``gbp`` for spend and
        ``<unit> x quarters`` otherwise; ``ratio`` for a ratio of two periods (a difference
        keeps the unit)."""
        if self.kind == "ratio":
            return "ratio"
        if self.threshold is not None:
            return f"share_of_{self.among}"
        unit = outcome_unit(self.measure)
        if self.aggregate == "sum":
            if unit == "gbp_per_quarter":
                return "gbp"
            return f"{unit} x quarters"
        return unit

    def fingerprint(self) -> dict[str, Any]:
        """The spec as a dict for design keys: the derived-outcome fields only when set, so
        the keys of sweeps written before those fields existed are unchanged."""
        out = self.model_dump(mode="json")
        for name in _DERIVED_FIELDS:
            if getattr(self, name) == OutcomeSpec.model_fields[name].default:
                del out[name]
        return out

    def periods(self) -> list[tuple[int, int]]:
        """The periods the outcome reads: ``years``, then ``minus`` or ``divided_by``."""
        other = self.minus or self.divided_by
        return [self.years] if other is None else [self.years, other]

    def for_year(self, year: int) -> OutcomeSpec:
        """The measure of this outcome (its group, threshold and aggregation) in one year
        alone (for per-year indices); a difference or ratio becomes its first term."""
        return self.model_copy(update={"years": (year, year), "minus": None, "divided_by": None})


#: Fields added for derived outcomes (left out of design keys while at their defaults).
_DERIVED_FIELDS = ("areas", "minus", "divided_by", "share_below", "share_above", "among")
#: Fields that hold a period (one year or [first, last]).
_PERIODS = ("years", "minus", "divided_by")


def per_year_name(outcome: str, year: int) -> str:
    """Store column of an outcome's per-year value (``years = [...]`` in an experiment)."""
    return f"{outcome} in {year}"


def split_output(name: str) -> tuple[str, int | None]:
    """(outcome, year or None) of a store column; reads the old ``outcome@year`` form too."""
    for sep in (" in ", "@"):
        outcome, found, year = name.rpartition(sep)
        if found and year.isdigit():
            return outcome, int(year)
    return name, None


class OutcomeFileError(Exception):
    """An outcomes file could not be read; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def unknown_key(key: str, known: list[str]) -> str:
    """The message for an unknown key, with the closest known one if there is one."""
    close = difflib.get_close_matches(key, known, n=1)
    return f"unknown key; did you mean '{close[0]}'?" if close else "unknown key"


def _problem_line(path: Path, name: str, err: Any) -> str:
    """One line for a pydantic error of entry ``name``; unknown keys get a suggestion."""
    loc = ".".join(str(p) for p in (name, *err["loc"]))
    if err["type"] == "extra_forbidden":
        return f"{path}: {loc}: {unknown_key(str(err['loc'][-1]), list(OutcomeSpec.model_fields))}"
    return f"{path}: {loc}: {err['msg'].removeprefix('Value error, ')}"


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
        if not isinstance(entry, dict):
            problems.append(f"{path}: {name}: must be a table [{name}] of measure, years...")
            continue
        try:
            specs[name] = OutcomeSpec.model_validate(entry)
        except ValidationError as exc:
            problems += [_problem_line(path, name, err) for err in exc.errors()]
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
    for key, period in zip(_PERIODS, (spec.years, spec.minus, spec.divided_by), strict=True):
        if period is not None and (period[0] < lo or period[1] > hi):
            problems.append(
                f"{key} {period[0]}-{period[1]} fall outside the simulated "
                f"{spec.year_basis} years {lo}-{hi}"
            )
    if spec.level != "national":
        code = AUTHORITY_TYPES.index(spec.level)
        if not any((ep.csp_type == code).any() for ep in model.epochs):
            problems.append(f"the scenario has no {spec.level} CSPs")
    for area in spec.areas:
        if area not in model.geo.names:
            close = difflib.get_close_matches(area, model.geo.names, n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            problems.append(f"areas: '{area}' is not a council area of this scenario{hint}")
    return problems


def _years(model: CSPModel, basis: str) -> np.ndarray:
    if basis == "financial":
        return np.asarray(model.sched.fy)
    return np.array([q.year for q in model.sched.quarters])


def series_of(
    model: CSPModel, spec: OutcomeSpec, sums: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """The outcome's quarterly values over the whole run, shape (steps,): the group's measure,
    or its exceedance share (periods and aggregation are not applied)."""
    if spec.threshold is None:
        return quarterly(model, spec.measure, spec.level, sums, spec.areas)
    return quarterly_share(
        model, spec.measure, spec.level, spec.threshold, spec.share_below is not None,
        spec.among, sums, spec.areas,
    )  # fmt: skip


def _series_key(spec: OutcomeSpec) -> tuple:
    return (spec.measure, spec.level, spec.areas, spec.threshold, spec.share_below is None,
            spec.among)  # fmt: skip


def evaluate(model: CSPModel, specs: dict[str, OutcomeSpec]) -> dict[str, float]:
    """Every outcome of a finished run, by name (NaN where the group has no value)."""
    series: dict[tuple, np.ndarray] = {}
    sums: dict[str, np.ndarray] = {}  # per (step, area) totals shared by the measures
    out: dict[str, float] = {}
    for name, spec in specs.items():
        key = _series_key(spec)
        if key not in series:
            series[key] = series_of(model, spec, sums)
        years = _years(model, spec.year_basis)
        terms = []
        for first, last in spec.periods():
            sel = series[key][(years >= first) & (years <= last)]
            finite = sel[~np.isnan(sel)]
            terms.append(float(_AGGREGATES[spec.aggregate](finite)) if finite.size else np.nan)
        out[name] = _combine(spec.kind, terms)
    return out


def _combine(kind: str, terms: list[float]) -> float:
    """The outcome from its periods' values: the first, their difference or their ratio."""
    if kind == "difference":
        return terms[0] - terms[1]
    if kind == "ratio":
        return terms[0] / terms[1] if terms[1] != 0 else float("nan")
    return terms[0]
