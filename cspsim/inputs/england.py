"""The real geography of England, year by year, as built by ``scripts/build_geography.py``.

Loads ``configs/geography/{areas,population,footprints}.csv`` (see ``docs/GEOGRAPHY.md``) into
frozen dataclasses and answers three questions for any date from 1 April 2009: which council
areas exist (:meth:`England.areas`), which agency serves each at a footprint level
(:meth:`England.footprint`), and which CSPs there are (:meth:`England.csps`). Names of police
force areas, counties, councils and CSPs resolve case-insensitively (:meth:`England.find`), with
"did you mean" suggestions, for configuration such as ``[geography] areas = ["Kent"]``.

Data shown from here must carry :data:`ATTRIBUTION` (Open Government Licence v3.0).
"""

from __future__ import annotations

import csv
import difflib
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from cspsim.paths import CONFIGS_DIR

GEOGRAPHY_DIR = CONFIGS_DIR / "geography"
ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right."
)
LEVELS = (
    "police_force_area",
    "fire_rescue_authority",
    "county_council",
    "youth_offending_service",
    "pct",
    "ccg",
    "icb",
    "probation_trust",
    "crc",
    "nps_division",
    "probation_region",
    "pdu",
    "police_and_crime_body",
    "csp",
)
# Order in which a name that matches several kinds of place is resolved by councils_in().
KINDS = ("police_force_area", "county", "council", "csp")


@dataclass(frozen=True)
class Area:
    """A council area (one version of it: codes are reused only for the same area).

    Attributes:
        code: ONS code (E06 unitary, E07 district, E08 metropolitan, E09 London borough).
        name: ONS name.
        type: ``unitary``, ``district_borough``, ``metropolitan`` or ``london_borough``.
        region_code, region: English region.
        county_code, county: county of a two-tier district (E10), metropolitan county (E11) or
            Inner/Outer London (E13); blank for unitaries.
        valid_from, valid_to: first and last day in force (``valid_to`` None: still in force).
        successor: code of the council that replaced it, if any.
    """

    code: str
    name: str
    type: str
    region_code: str
    region: str
    county_code: str
    county: str
    valid_from: date
    valid_to: date | None
    successor: str

    def in_force(self, on: date) -> bool:
        """Whether the area exists on ``on``."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class AreaOnDate:
    """An area in force on a date, with its population that year (persons)."""

    area: Area
    population_persons: int

    @property
    def code(self) -> str:
        """ONS code of the area."""
        return self.area.code


@dataclass(frozen=True)
class Served:
    """One agency serving (a share of) one area at one footprint level over an interval."""

    area_code: str
    level: str
    agency_code: str
    agency_name: str
    share: float
    valid_from: date
    valid_to: date | None
    basis: str

    def in_force(self, on: date) -> bool:
        """Whether this row applies on ``on``."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class Place:
    """A named place that a name resolved to: kind (see :data:`KINDS`), code and name."""

    kind: str
    code: str
    name: str


def _rows(path: Path) -> list[dict[str, str]]:
    """CSV rows without ``#`` comment lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return list(csv.DictReader(io.StringIO("\n".join(x for x in lines if not x.startswith("#")))))


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


class England:
    """The loaded geography; build one with :func:`load_england`."""

    def __init__(self, folder: Path = GEOGRAPHY_DIR) -> None:
        self.folder = Path(folder)
        self.all_areas: tuple[Area, ...] = tuple(
            Area(
                r["code"],
                r["name"],
                r["type"],
                r["region_code"],
                r["region"],
                r["county_code"],
                r["county"],
                date.fromisoformat(r["valid_from"]),
                _day(r["valid_to"]),
                r["successor"],
            )
            for r in _rows(self.folder / "areas.csv")
        )
        self._by_code = {a.code: a for a in self.all_areas}
        self._population: dict[str, dict[int, int]] = {}
        for r in _rows(self.folder / "population.csv"):
            self._population[r["code"]] = {int(k): int(v) for k, v in r.items() if k.isdigit()}
        by_level: dict[str, list[Served]] = defaultdict(list)
        for r in _rows(self.folder / "footprints.csv"):
            by_level[r["level"]].append(
                Served(
                    r["area_code"],
                    r["level"],
                    r["agency_code"],
                    r["agency_name"],
                    float(r["share"]),
                    date.fromisoformat(r["valid_from"]),
                    _day(r["valid_to"]),
                    r["basis"],
                )
            )
        self._served = {k: tuple(v) for k, v in by_level.items()}

    # --- questions by date ---------------------------------------------------------------
    def population(self, code: str, year: int) -> int:
        """Population (persons) of an area in a year (2009-2030; see docs/GEOGRAPHY.md)."""
        years = self._population[code]
        return years[min(max(year, min(years)), max(years))]

    def areas(self, on: date) -> tuple[AreaOnDate, ...]:
        """The council areas in force on ``on``, with their population that year."""
        return tuple(
            AreaOnDate(a, self.population(a.code, on.year))
            for a in self.all_areas
            if a.in_force(on)
        )

    def footprint(self, level: str, on: date) -> tuple[Served, ...]:
        """Who serves each area at ``level`` on ``on`` (split CCGs/ICBs: one row per share)."""
        if level not in LEVELS:
            raise KeyError(_unknown("footprint level", level, LEVELS))
        return tuple(s for s in self._served.get(level, ()) if s.in_force(on))

    def footprint_rows(self, level: str) -> tuple[Served, ...]:
        """Every row of ``level`` over all dates."""
        if level not in LEVELS:
            raise KeyError(_unknown("footprint level", level, LEVELS))
        return self._served.get(level, ())

    def csps(self, on: date) -> dict[str, tuple[str, tuple[str, ...]]]:
        """CSPs on ``on``: code -> (name, codes of the areas they cover)."""
        out: dict[str, tuple[str, list[str]]] = {}
        for s in self.footprint("csp", on):
            out.setdefault(s.agency_code, (s.agency_name, []))[1].append(s.area_code)
        return {k: (name, tuple(codes)) for k, (name, codes) in out.items()}

    def council_on(self, code: str, on: date) -> Area:
        """The council in force on ``on`` for the area of ``code``: itself, or the council
        that replaced it (following successors through several reorganisations).

        Raises:
            LookupError: the area did not exist yet on ``on``, or was abolished without one.
        """
        area = self._by_code[code]
        while not area.in_force(on) and area.successor and area.valid_from <= on:
            area = self._by_code[area.successor]
        if not area.in_force(on):
            raise LookupError(f"no council in force on {on} for {code} ({area.name})")
        return area

    def change_dates(self) -> tuple[date, ...]:
        """Every date on which a council or a CSP starts (councils and CSPs change only then)."""
        days = {a.valid_from for a in self.all_areas}
        days |= {s.valid_from for s in self._served.get("csp", ())}
        return tuple(sorted(days))

    # --- names ---------------------------------------------------------------------------
    def places(self) -> tuple[Place, ...]:
        """Every nameable place: police force areas, counties, councils and CSPs."""
        seen: dict[tuple[str, str], Place] = {}
        for s in self._served.get("police_force_area", ()):
            seen.setdefault(
                ("police_force_area", s.agency_code),
                Place("police_force_area", s.agency_code, s.agency_name),
            )
        for a in self.all_areas:
            if a.county_code:
                seen.setdefault(("county", a.county_code), Place("county", a.county_code, a.county))
            seen.setdefault(("council", a.code), Place("council", a.code, a.name))
        for s in self._served.get("csp", ()):
            seen.setdefault(("csp", s.agency_code), Place("csp", s.agency_code, s.agency_name))
        return tuple(seen.values())

    def find(self, name: str) -> tuple[Place, ...]:
        """Places whose name or code is ``name`` (case-insensitive), in :data:`KINDS` order.

        Raises:
            LookupError: nothing matches; the message suggests close names.
        """
        key = name.strip().casefold()
        hits = [p for p in self.places() if key in (p.name.casefold(), p.code.casefold())]
        if not hits:
            raise LookupError(_unknown("place", name, sorted({p.name for p in self.places()})))
        return tuple(sorted(hits, key=lambda p: KINDS.index(p.kind)))

    def councils_in(self, name: str, on: date) -> tuple[str, ...]:
        """Codes of the council areas in force on ``on`` within the named place.

        A name matching several kinds of place resolves in :data:`KINDS` order (a police force
        area first: "Kent" is the Kent police force area, Medway included).
        """
        place = self.find(name)[0]
        if place.kind in ("police_force_area", "csp"):
            rows = self.footprint(place.kind, on)
            return tuple(dict.fromkeys(s.area_code for s in rows if s.agency_code == place.code))
        live = [a.area for a in self.areas(on)]
        if place.kind == "county":
            return tuple(a.code for a in live if a.county_code == place.code)
        try:
            return (self.council_on(place.code, on).code,)
        except LookupError:
            return ()


def _unknown(what: str, name: str, choices: Iterable[str]) -> str:
    """Message for an unknown name, with close matches."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(name.title(), list(choices), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown {what} {name!r}{hint}"


@cache
def load_england(folder: Path = GEOGRAPHY_DIR) -> England:
    """The geography in ``folder`` (default: the shipped ``configs/geography``), cached."""
    return England(folder)
