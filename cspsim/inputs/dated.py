"""Scenario changes that take effect during a run (validated parts of a scenario file).

* ``[[geography.reorganise]]`` (:class:`CouncilReorganisation`): a future local government
  reorganisation that replaces the two-tier districts of some counties with unitaries on a
  date (built on the real geography's periods by :mod:`cspsim.inputs.reorganise`).
* ``[[geography.merge_icbs]]`` (:class:`IcbMerger`): integrated care boards that merge into
  one on a date (applied to the geography by :mod:`cspsim.inputs.icb_mergers`).
* ``[[pcc.changes]]`` (:class:`PccChange`): the PCC's funding model from a date.
* ``[[funding.allocation_changes]]`` (:class:`AllocationChange`): annual or multi-year
  allocation from a date.
* ``[[funding.area_cuts]]`` (:class:`AreaCut`): one council's budget path (a cut from a date,
  optionally ended), e.g. a section 114 notice.

A grant's end date lives on the grant itself (``end``, and ``time_limited`` for the
``time_limited_grants_end_year`` lever; :class:`cspsim.inputs.scenario.Grant`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_TARGET_POPULATION = 5_000_000  # a sanity bound: larger than any English county


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class CouncilReorganisation(_Strict):
    """Two-tier districts of ``counties`` become unitaries on ``date`` (real places only).

    Attributes:
        date: When the new unitaries take over (and their CSPs form).
        counties: County names (as in the county council footprint, e.g. "Kent") or "all".
        target_population: Residents per new unitary; a county of population P becomes
            ``max(1, round(P / target))`` unitaries. None: the registry's
            ``unitary_target_population``.
        groups: Published groupings, where known: each a list of the district councils (names
            or ONS codes) that form one unitary. A county named in a group is grouped as given
            (every district of it in exactly one group); the others by the size rule.
    """

    date: dt.date
    counties: Literal["all"] | list[str] = "all"
    target_population: float | None = Field(default=None, gt=0, le=MAX_TARGET_POPULATION)
    groups: list[list[str]] = []

    @field_validator("groups")
    @classmethod
    def _non_empty(cls, v: list[list[str]]) -> list[list[str]]:
        if any(not g for g in v):
            raise ValueError("each group names at least one district council")
        return v

    @field_validator("counties")
    @classmethod
    def _some(cls, v: str | list[str]) -> str | list[str]:
        if isinstance(v, list) and not v:
            raise ValueError('name at least one county, or "all"')
        return v


ICB_FIRST_DAY = dt.date(2022, 7, 1)  # ICBs established (Health and Care Act 2022)


class IcbMerger(_Strict):
    """Integrated care boards ``icbs`` become one ICB, ``name``, on ``date``.

    Attributes:
        date: First day of the merged ICB (after 1 July 2022, when ICBs were established).
        icbs: The ICBs that merge, as the model names them on ``date`` before this merger
            (after the data's mergers of that day and the scenario's earlier ones):
            "Birmingham and Solihull ICB", the " ICB" may be left off; at least two.
        name: The merged ICB's name ("ICB" is added if missing).
    """

    date: dt.date
    icbs: list[str] = Field(min_length=2)
    name: str = Field(min_length=1)

    @field_validator("date")
    @classmethod
    def _after_icbs(cls, v: dt.date) -> dt.date:
        if v <= ICB_FIRST_DAY:
            raise ValueError(f"{v}: ICBs merge only after they were established, {ICB_FIRST_DAY}")
        return v

    @field_validator("icbs")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        seen = [icb_key(n) for n in v]
        twice = sorted({n for n, k in zip(v, seen, strict=True) if seen.count(k) > 1})
        if twice:
            raise ValueError(f"an ICB is named twice: {twice}")
        return v


def icb_key(name: str) -> str:
    """The form ICB names are compared in: without " ICB", case-folded, spaces trimmed."""
    return name.strip().removesuffix(" ICB").removesuffix(" icb").strip().casefold()


FundingModel = Literal["grant", "central", "bids", "board"]
FORCE_SETS = ("all", "mayoral", "other")


class PccChange(_Strict):
    """The PCC fund's funding model from ``date`` (until a later change), in some forces.

    Attributes:
        date: First day of the new model.
        funding_model: ``grant``, ``central``, ``bids``, or ``board`` (the whole fund passed
            to CSPs by population, nothing kept: a board of council leaders).
        forces: Which force areas: ``all``; ``mayoral`` (where a mayor holds police and crime
            functions on the date, real places only) or ``other`` (the rest); or names of
            police forces ("Kent Police" or "Kent").
    """

    date: dt.date
    funding_model: FundingModel
    forces: str | list[str] = "all"

    @field_validator("forces")
    @classmethod
    def _forces(cls, v: str | list[str]) -> str | list[str]:
        if isinstance(v, str) and v not in FORCE_SETS:
            raise ValueError(
                f"{v!r}: give one of {', '.join(repr(f) for f in FORCE_SETS)} or a list of "
                'police forces (["Kent Police"])'
            )
        if isinstance(v, list) and not v:
            raise ValueError("name at least one police force")
        return v

    @property
    def forces_key(self) -> str:
        """The forces as one comparable key (for the order check)."""
        return self.forces if isinstance(self.forces, str) else "|".join(sorted(self.forces))


class AllocationChange(_Strict):
    """How grants are allocated from ``date`` (until a later change)."""

    date: dt.date
    allocation: Literal["annual", "multi_year"]


class AreaCut(_Strict):
    """A change to one council's budget (real terms), on top of the scenario's funding path.

    Attributes:
        area: A council of the scenario, by name or ONS code (every area of a council made of
            several areas).
        start: First day of the cut.
        end: Day the budget returns to the scenario's path (None: never).
        pct: Percent cut (negative: an increase). None only for a section 114 notice: the
            registry's ``section_114_cut_pct``.
        years: Years over which the cut phases in.
        section_114: The cut is a section 114 notice (spending frozen to statutory services).
    """

    area: str = Field(min_length=1)
    start: dt.date
    end: dt.date | None = None
    pct: float | None = Field(default=None, ge=-200, le=100)
    years: float = Field(default=0.0, ge=0, le=30)
    section_114: bool = False

    @model_validator(mode="after")
    def _pct(self) -> AreaCut:
        if self.pct is None and not self.section_114:
            raise ValueError("give pct (percent cut), or section_114 = true")
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


def ordered(changes: list, what: str) -> list:
    """``changes`` if their dates are strictly increasing (for each set of forces, for PCC
    changes, which apply in the order given).

    Raises:
        ValueError: two changes share a date or are out of order.
    """
    groups: dict[str, list[dt.date]] = {}
    for c in changes:
        groups.setdefault(getattr(c, "forces_key", ""), []).append(c.date)
    for dates in groups.values():
        if any(b <= a for a, b in itertools.pairwise(dates)):
            raise ValueError(f"{what}: dates must be in increasing order, got {dates}")
    return changes
