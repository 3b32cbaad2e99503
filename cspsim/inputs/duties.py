"""The duty catalogue (``configs/duties.toml``) as validated records and arrays."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cspsim.inputs.errors import ScenarioError
from cspsim.paths import CONFIGS_DIR
from cspsim.vocab import CONTRIBUTORS, SPLIT_FROM

if TYPE_CHECKING:  # load_duties reads a scenario; the scenario module imports this one
    from cspsim.inputs.scenario import Scenario


# Sanity bounds on a duty's numbers (a scenario's duties.new, or an edited catalogue), far
# beyond any real value (the catalogue's largest workload is 5 fte per 100,000, its largest
# fixed cost under 1 fte): they catch typos and absurd values before they reach a run.
MAX_WORKLOAD_FTE_PER_100K = 1_000.0
MAX_FIXED_COST_FTE = 1_000.0
MAX_NEW_BURDENS_GBP = 1e11  # as a scenario's grants (cspsim.inputs.scenario.MAX_GBP_PER_YEAR)


class DutySpec(BaseModel):
    """One entry of the duty catalogue (see the header of ``configs/duties.toml``).

    Numbers must be finite (no ``inf`` or ``nan``) and within the sanity bounds above.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str
    start: dt.date
    end: dt.date | None = None
    workload_fte_per_100k: float = Field(ge=0, le=MAX_WORKLOAD_FTE_PER_100K)
    workload_index: dict[int, float] = {}
    volume: Literal["high", "low"]
    fixed_cost_fte: float = Field(default=0.0, ge=0, le=MAX_FIXED_COST_FTE)
    contribution: dict[str, float]
    bound: list[str] = []
    bound_from: dict[str, dt.date] = {}
    lead_in_two_tier: Literal["council", "county_council"] = "council"
    new_burdens_gbp_per_year: float = Field(default=0.0, ge=0, le=MAX_NEW_BURDENS_GBP)
    high_risk: bool = False
    source: str

    @model_validator(mode="after")
    def _names(self) -> DutySpec:
        bad = (set(self.contribution) | set(self.bound) | set(self.bound_from)) - set(CONTRIBUTORS)
        if bad:
            raise ValueError(f"unknown partner(s) {sorted(bad)}; allowed: {list(CONTRIBUTORS)}")
        split = (set(self.contribution) | set(self.bound) | set(self.bound_from)) & set(SPLIT_FROM)
        if split:
            raise ValueError(
                f"{sorted(split)} take their share of {sorted(SPLIT_FROM[p] for p in split)}'s "
                "contribution and binding while they exist: give those instead"
            )
        if any(w < 0 for w in self.contribution.values()) or sum(self.contribution.values()) <= 0:
            raise ValueError("contribution weights must be >= 0 and not all zero")
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if any(v < 0 or v > 10_000 for v in self.workload_index.values()):
            raise ValueError("workload_index values must be percentages in [0, 10000]")
        return self


@dataclass(frozen=True)
class DutyTable:
    """The active duty catalogue of a scenario, as arrays indexed by duty.

    Attributes:
        ids: Duty identifiers, in catalogue order.
        names: Human-readable names.
        start: Start date of each duty.
        end: Date each duty ends (None = never): a duty whose work passes to a successor
            (drugs and alcohol before and after the 2013 public health transfer).
        workload_fte_per_100k: Capacity needed per 100,000 residents (fte).
        low_volume: True for low-volume duties (gain from a larger footprint).
        fixed_cost_fte: Capacity a delivery unit spends to run the duty at all (fte).
        workload_index: Workload by financial year as a percentage of
            ``workload_fte_per_100k`` (piecewise linear, flat outside; empty = flat), for
            duties whose caseload grew (DHRs, domestic abuse, modern slavery referrals).
        weight: Expected contribution share, shape (n_contributors, n_duties); columns sum to 1.
        bound_since: Date each contributor became bound (None if never), same shape as weight.
        county_led: True where the county council leads in two-tier areas.
        high_risk: True for duties whose probation work is mostly high-risk cases (the
            National Probation Service's while it is a separate partner, 2014-21).
        new_burdens_gbp: New-burdens money per year, national total (GBP).
        sources: Source of each duty.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    start: tuple[dt.date, ...]
    end: tuple[dt.date | None, ...]
    workload_fte_per_100k: np.ndarray
    low_volume: np.ndarray
    fixed_cost_fte: np.ndarray
    workload_index: tuple[dict[int, float], ...]
    weight: np.ndarray
    bound_since: tuple[tuple[dt.date | None, ...], ...]
    county_led: np.ndarray
    new_burdens_gbp: np.ndarray
    sources: tuple[str, ...]
    high_risk: np.ndarray

    @property
    def n(self) -> int:
        """Number of duties."""
        return len(self.ids)


# Contributors a catalogue entry can name (all but the split-off partner types).
_OWN = np.array([c not in SPLIT_FROM for c in CONTRIBUTORS])


def _scale_lead(w: np.ndarray, scale: float) -> np.ndarray:
    """Contribution shares with the councils' share (council plus county council) times
    ``scale`` (capped at 1) and the partners' shares rescaled to fill the rest.

    Args:
        w: Shares in ``CONTRIBUTORS`` order, summing to 1.
        scale: Multiplier on the councils' share.
    """
    lead = np.isin(CONTRIBUTORS, ("council", "county_council"))
    own = float(w[lead].sum())
    others = 1.0 - own
    new_own = min(own * scale, 1.0)
    out = w.copy()
    if own > 0:
        out[lead] = w[lead] / own * new_own
    if others > 0:
        out[~lead] = w[~lead] / others * (1.0 - new_own)
    return out


def read_catalogue(path: Path) -> dict[str, DutySpec]:
    """Read and validate a duty catalogue file.

    Raises:
        ScenarioError: one line per problem.
    """
    if not path.is_file():
        raise ScenarioError([f"duties.file: {path} not found"])
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"duties.file: {path}: not valid TOML: {exc}"]) from None
    specs, problems = {}, []
    for duty_id, entry in raw.items():
        try:
            specs[duty_id] = DutySpec.model_validate(entry)
        except ValidationError as exc:
            for e in exc.errors():
                loc = ".".join(str(p) for p in e["loc"])
                problems.append(
                    f"{path}: {duty_id}.{loc}: {e['msg'].removeprefix('Value error, ')}"
                )
    if problems:
        raise ScenarioError(problems)
    return specs


def _catalogue_path(scenario: Scenario, base_dir: Path | None) -> Path:
    candidate = Path(scenario.duties.file)
    if not candidate.is_absolute():
        for folder in (base_dir, CONFIGS_DIR):
            if folder is not None and (folder / candidate).is_file():
                return folder / candidate
        return (base_dir or CONFIGS_DIR) / candidate
    return candidate


def load_duties(scenario: Scenario, base_dir: Path | None = None) -> DutyTable:
    """Build the scenario's duty table: the catalogue with the scenario's overrides applied.

    Raises:
        ScenarioError: unknown duty names in overrides, structure or levers.
    """
    catalogue = read_catalogue(_catalogue_path(scenario, base_dir))
    problems = []
    for duty_id, entry in scenario.duties.new.items():
        if duty_id in catalogue:
            problems.append(
                f"duties.new.{duty_id}: a duty with this name is already in the catalogue"
            )
            continue
        try:
            catalogue[duty_id] = DutySpec.model_validate(entry)
        except ValidationError as exc:
            for e in exc.errors():
                loc = ".".join(str(p) for p in e["loc"])
                msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
                problems.append(f"duties.new.{duty_id}.{loc}: {msg.removeprefix('Value error, ')}")
    if problems:
        raise ScenarioError(problems)
    for where, listed in (
        ("duties.overrides", list(scenario.duties.overrides)),
        ("structure.hub_duties", scenario.structure.hub_duties),
        ("levers.backbone_duties", scenario.levers.backbone_duties),
    ):
        for n in listed:
            if n not in catalogue:
                problems.append(f"{where}: unknown duty '{n}'; known: {sorted(catalogue)}")
    if problems:
        raise ScenarioError(problems)

    ids: list[str] = []
    names: list[str] = []
    start: list[dt.date] = []
    end: list[dt.date | None] = []
    growth: list[dict[int, float]] = []
    work: list[float] = []
    low: list[bool] = []
    fixed: list[float] = []
    weights: list[np.ndarray] = []
    bound: list[tuple[dt.date | None, ...]] = []
    county: list[bool] = []
    burdens: list[float] = []
    sources: list[str] = []
    high_risk: list[bool] = []
    for duty_id, spec in catalogue.items():
        ov = scenario.duties.overrides.get(duty_id)
        if ov is not None and not ov.enabled:
            continue
        ids.append(duty_id)
        names.append(spec.name)
        start.append(ov.start if ov and ov.start else spec.start)
        end.append(spec.end)
        growth.append(dict(spec.workload_index))
        work.append(spec.workload_fte_per_100k * (ov.workload_scale if ov else 1.0))
        low.append(spec.volume == "low")
        fixed.append(spec.fixed_cost_fte)
        w = np.array([spec.contribution.get(c, 0.0) for c in CONTRIBUTORS])
        if ov is not None and ov.lead_share_scale != 1.0:
            # The lead's share (the council, or the county council in two-tier areas for
            # county-led duties) scaled, the other contributors' shares kept in proportion.
            w = _scale_lead(w / w.sum(), ov.lead_share_scale)
        # Summed over the catalogue's own contributors only: a split-off type's column is 0,
        # and summing 8 numbers instead of 7 would change numpy's order of addition.
        weights.append(w / w[_OWN].sum())
        # A split-off partner (the NPS) is bound as the partner it split from (FACTS §1: NPS
        # and CRCs were both responsible authorities).
        bound.append(
            tuple(
                (spec.bound_from.get(b, start[-1]) if b in spec.bound else None)
                for b in (SPLIT_FROM.get(c, c) for c in CONTRIBUTORS)
            )
        )
        county.append(spec.lead_in_two_tier == "county_council")
        nb = spec.new_burdens_gbp_per_year
        if ov is not None and ov.new_burdens_gbp_per_year is not None:
            nb = ov.new_burdens_gbp_per_year
        burdens.append(nb)
        sources.append(spec.source)
        high_risk.append(spec.high_risk)
    return DutyTable(
        ids=tuple(ids),
        names=tuple(names),
        start=tuple(start),
        end=tuple(end),
        workload_fte_per_100k=np.array(work, dtype=float),
        low_volume=np.array(low, dtype=bool),
        fixed_cost_fte=np.array(fixed, dtype=float),
        workload_index=tuple(growth),
        weight=np.array(weights, dtype=float).T.reshape(len(CONTRIBUTORS), len(ids)),
        bound_since=tuple(bound),
        county_led=np.array(county, dtype=bool),
        new_burdens_gbp=np.array(burdens, dtype=float),
        sources=tuple(sources),
        high_risk=np.array(high_risk, dtype=bool),
    )
