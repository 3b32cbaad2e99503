"""Real council areas of England by name, with the agencies that really serve them.

A scenario may name real places instead of describing areas by hand::

    [geography]
    areas = ["Kent"]          # police force areas, counties, councils or CSPs, names or codes

Each name resolves through :mod:`cspsim.inputs.england` (``England.councils_in``) to the
councils in force on the scenario's start date; :func:`real_rows` gives, for each of them,
its ONS name, authority type, region and population, and for every model footprint level
(``cspsim.inputs.geography.FOOTPRINTS``) the real agency serving it, under its real name
("Kent Police", "Kent County Council", "NHS Ashford CCG"). ``cspsim.inputs.geography`` turns
the rows into a :class:`~cspsim.inputs.geography.Geography` like any other.

Rules (also in docs/GEOGRAPHY.md, "Running a real area"):

- Population is the area's figure for the start year, held fixed over the run, as the model
  holds every area's population fixed today.
- Each level's agency is taken on a date when that level is in force: the start date if the
  level is in force then, else the level's representative date in :data:`LEVELS` (PCTs
  2012-04-01, CCGs 2014-04-01, ICBs 2022-07-01 and, after the first ICB mergers,
  2026-04-01 (configs/geography/icb_mergers.csv), probation trusts 2013-04-01, CRCs and NPS
  divisions 2015-04-01, probation regions 2022-04-01). The model switches between the health
  and probation levels at the scenario's reorganisation dates, as it does for any geography.
- The model holds one agency per area per level. Where the data splits an area between
  agencies (CCGs and ICBs, by share of the area's LSOAs) the agency with the largest share
  serves the whole area.
- An area not in force on a level's date is represented by the areas that were: its
  successor (a district abolished in 2019-2023) or its predecessors, weighted by population
  (a council created after 2019, for levels dated before it).
- Councils and CSPs change on their dates (:func:`real_periods`): the model's areas are the
  councils in force on the start date; a council created later by a reorganisation (Dorset
  2019, Buckinghamshire 2020, ...) is the areas it replaced, which from that date share one
  council and one CSP and lose their county council partner; CSPs that cover several councils
  (Dartford and Gravesham in Kent) join their areas from their merger date.

Data shown from here must carry :data:`cspsim.inputs.england.ATTRIBUTION`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from cspsim.inputs.england import KINDS, England, Place, Served, load_england

# Model footprint level -> (England level, period in force (last day None = still in force),
# representative date used when the scenario starts outside that period).
LEVELS: dict[str, tuple[str, tuple[date, date | None], date]] = {
    "police": ("police_force_area", (date(2009, 4, 1), None), date(2009, 4, 1)),
    "county_council": ("county_council", (date(2009, 4, 1), None), date(2009, 4, 1)),
    "fire_rescue": ("fire_rescue_authority", (date(2009, 4, 1), None), date(2009, 4, 1)),
    "youth_offending": ("youth_offending_service", (date(2009, 4, 1), None), date(2009, 4, 1)),
    "health_pct": ("pct", (date(2009, 4, 1), date(2013, 3, 31)), date(2012, 4, 1)),
    "health_ccg": ("ccg", (date(2013, 4, 1), date(2022, 6, 30)), date(2014, 4, 1)),
    "health_icb": ("icb", (date(2022, 7, 1), date(2026, 3, 31)), date(2022, 7, 1)),
    "health_icb_2026": ("icb", (date(2026, 4, 1), None), date(2026, 4, 1)),
    "probation_trust": ("probation_trust", (date(2009, 4, 1), date(2014, 5, 31)), date(2013, 4, 1)),
    "probation_crc": ("crc", (date(2014, 6, 1), date(2021, 6, 25)), date(2015, 4, 1)),
    "probation_nps": ("nps_division", (date(2014, 6, 1), date(2021, 6, 25)), date(2015, 4, 1)),
    "probation_region": ("probation_region", (date(2021, 6, 26), None), date(2022, 4, 1)),
    "probation_pdu": ("pdu", (date(2021, 6, 26), None), date(2022, 4, 1)),
}
FIRST_DAY = date(2009, 4, 1)


@dataclass(frozen=True)
class Resolved:
    """What one name in ``areas`` stands for on a date: the place and its councils' codes."""

    name: str
    kind: str
    place: str
    councils: tuple[str, ...]


def level_date(level: str, start: date) -> date:
    """The date on which the agencies of model footprint ``level`` are read (see module)."""
    _, (first, last), representative = LEVELS[level]
    in_force = first <= start and (last is None or start <= last)
    return start if in_force else representative


def unknown_name(name: str, england: England | None = None) -> str | None:
    """Why ``name`` matches no place, with the nearest names (None: it matches one)."""
    try:
        (england or load_england()).find(name)
    except LookupError as exc:
        return str(exc.args[0])
    return None


def resolve(name: str, on: date, england: England | None = None) -> Resolved:
    """The place ``name`` stands for and its councils in force on ``on``.

    Raises:
        LookupError: no such place (the message suggests close names).
    """
    eng = england or load_england()
    place = eng.find(name)[0]
    return Resolved(name, place.kind, place.name, eng.councils_in(name, on))


def councils(names: Iterable[str], on: date, england: England | None = None) -> tuple[str, ...]:
    """Codes of the councils in force on ``on`` in any of the named places, without repeats.

    Raises:
        LookupError: a name matches no place, or a place has no council in force on ``on``.
    """
    eng = england or load_england()
    out: dict[str, None] = {}
    for name in names:
        r = resolve(name, on, eng)
        if not r.councils:
            raise LookupError(f"{name!r} ({r.kind} {r.place}) has no council in force on {on}")
        out.update(dict.fromkeys(r.councils))
    return tuple(out)


@dataclass(frozen=True)
class Council:
    """A council a name resolved to: ONS code, name, authority type, population that year."""

    code: str
    name: str
    type: str
    population: int


def places_by_kind(england: England | None = None) -> dict[str, list[Place]]:
    """Every name ``areas`` accepts, by kind (police force areas, counties, councils, CSPs),
    each kind sorted by name."""
    eng = england or load_england()
    out: dict[str, list[Place]] = {kind: [] for kind in KINDS}
    for p in eng.places():
        out[p.kind].append(p)
    return {k: sorted(v, key=lambda p: (p.name.casefold(), p.code)) for k, v in out.items()}


def describe(name: str, on: date, england: England | None = None) -> tuple[Resolved, list[Council]]:
    """What ``name`` resolves to on ``on``: the place and its councils, with types.

    Raises:
        LookupError: no such place (the message suggests close names).
    """
    eng = england or load_england()
    r = resolve(name, on, eng)
    live = {a.code: a for a in eng.areas(on)}
    return r, [
        Council(c, live[c].area.name, live[c].area.type, live[c].population_persons)
        for c in r.councils
    ]


def agency_name(served: Served) -> str:
    """The real name of the agency of a footprint row (the data names some by place only)."""
    name = served.agency_name
    match served.level:
        case "police_force_area":
            if name == "London, City of":
                return "City of London Police"
            return name if name.endswith("Police") else f"{name} Police"
        case "county_council":
            return f"{name} County Council"
        case "fire_rescue_authority":
            return name if "Fire" in name else f"{name} Fire and Rescue Authority"
        case "icb":
            return f"{name} ICB"  # the STP footprint stands for the ICB (docs/GEOGRAPHY.md)
        case "probation_region":
            return f"{name} probation region"
        case "nps_division":
            return f"National Probation Service {name}"
    return name


class _Footprints:
    """Who serves an area at one England level on one date, by the rules of the module."""

    def __init__(self, eng: England, level: str, on: date):
        self.eng, self.on = eng, on
        self.rows: dict[str, list[Served]] = defaultdict(list)
        for s in eng.footprint(level, on):
            self.rows[s.area_code].append(s)
        self.by_code = {a.code: a for a in eng.all_areas}
        self.predecessors: dict[str, list[str]] = defaultdict(list)
        for a in eng.all_areas:
            if a.successor:
                self.predecessors[a.successor].append(a.code)

    def _stand_ins(self, code: str) -> list[tuple[str, float]]:
        """Areas in force on the date standing for ``code``, with their weights."""
        area = self.by_code[code]
        if area.in_force(self.on):
            return [(code, 1.0)]
        if area.valid_from > self.on:  # created later: its predecessors, by population
            out = []
            for p in self.predecessors.get(code, []):
                out += [
                    (c, w * self.eng.population(p, self.on.year)) for c, w in self._stand_ins(p)
                ]
            return out
        if area.successor:  # abolished before the date: its successor
            return self._stand_ins(area.successor)
        return []

    def agency(self, code: str) -> str | None:
        """The agency with the largest share of ``code`` (None: no agency at this level).

        The model holds one agency per area per level: an area split between CCGs or ICBs
        is served, in the model, by the one with the largest share of it.
        """
        score: dict[str, float] = defaultdict(float)
        names: dict[str, str] = {}
        for stand_in, weight in self._stand_ins(code):
            for s in self.rows.get(stand_in, []):
                score[s.agency_code] += weight * s.share
                names[s.agency_code] = agency_name(s)
        if not score:
            return None
        best = max(sorted(score), key=lambda k: score[k])  # ties: lowest code
        return names[best]


def real_rows(
    names: Iterable[str] | None, start: date, england: England | None = None
) -> list[dict]:
    """Rows (one per council) for ``cspsim.inputs.geography`` from real place names.

    Councils are those in force on ``start`` in the named places (``names`` None: all of
    England), in the order the names and the data give them; population is the start year's,
    held fixed over the run.

    Raises:
        LookupError: a name matches no place or has no council on ``start``.
    """
    eng = england or load_england()
    codes = all_councils(start, eng) if names is None else councils(names, start, eng)
    live = {a.code: a for a in eng.areas(start)}
    footprints = {
        level: _Footprints(eng, england_level, level_date(level, start))
        for level, (england_level, _, _) in LEVELS.items()
    }
    rows = []
    for code in codes:
        a = live[code]
        row: dict = {
            "name": a.area.name,
            "code": code,
            "type": a.area.type,
            "population": float(a.population_persons),
            "region": a.area.region,
        }
        for level, fp in footprints.items():
            row[level] = fp.agency(code)
        if a.area.type != "district_borough":
            row["county_council"] = None  # only districts have a county partner
        rows.append(row)
    return rows


def all_councils(on: date, england: England | None = None) -> tuple[str, ...]:
    """Codes of every council of England in force on ``on``, in the data's order."""
    return tuple(a.code for a in (england or load_england()).areas(on))


def real_periods(codes: Iterable[str], start: date, england: England | None = None) -> list[dict]:
    """The councils and CSPs of the areas ``codes`` (councils in force on ``start``) over time.

    One dict per period, from ``start`` and then from each later date on which a council or
    a CSP of these areas changes: ``start`` (date), and per area (in ``codes`` order) the code,
    name and authority type of the council in force (``council_code``, ``council_name``,
    ``council_type``: the area itself, or the council that replaced it) and the code and name
    of its CSP (``csp_code``, ``csp_name``; ONS E22 codes, or ``CSP-`` + the council's code for
    the one-council CSPs the ONS lookups do not list; docs/GEOGRAPHY.md).

    Raises:
        LookupError: an area is not in force on ``start``.
    """
    eng = england or load_england()
    codes = tuple(codes)
    out: list[dict] = []
    for on in [start, *(d for d in eng.change_dates() if d > start)]:
        csp_of = {a: (k, name) for k, (name, areas) in eng.csps(on).items() for a in areas}
        row: dict = {"start": on, **{k: [] for k in _PERIOD_COLUMNS}}
        for code in codes:
            council = eng.council_on(code, on)
            csp_code, csp_name = csp_of[council.code]
            for key, value in zip(
                _PERIOD_COLUMNS,
                (council.code, council.name, council.type, csp_code, csp_name),
                strict=True,
            ):
                row[key].append(value)
        if not out or any(row[k] != out[-1][k] for k in _PERIOD_COLUMNS):
            out.append(row)
    return out


_PERIOD_COLUMNS = ("council_code", "council_name", "council_type", "csp_code", "csp_name")


def police_bodies(codes: Iterable[str], england: England | None = None) -> dict[str, list[dict]]:
    """Who held police and crime functions in the police force areas of ``codes``, over time.

    Returns:
        Real force name (as :func:`agency_name` gives it, the model's police agency) -> the
        bodies in date order: ``{"from": date, "to": date | None, "name": str}`` (police
        authority, Police and Crime Commissioner, or a mayor; docs/GEOGRAPHY.md).
    """
    eng = england or load_england()
    wanted = set(codes)
    force_of: dict[str, str] = {}
    for s in eng.footprint_rows("police_force_area"):
        if s.area_code in wanted:
            force_of.setdefault(s.area_code, agency_name(s))
    out: dict[str, dict[tuple, dict]] = defaultdict(dict)
    for s in eng.footprint_rows("police_and_crime_body"):
        if s.area_code in force_of:
            key = (s.valid_from, s.valid_to, s.agency_name)
            out[force_of[s.area_code]][key] = {
                "from": s.valid_from,
                "to": s.valid_to,
                "name": s.agency_name,
            }
    return {
        force: [v for _, v in sorted(rows.items(), key=lambda kv: kv[0][0])]
        for force, rows in out.items()
    }
