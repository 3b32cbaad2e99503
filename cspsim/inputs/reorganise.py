"""A scenario's future reorganisation into unitaries, appended to the real periods.

``[[geography.reorganise]]`` (:class:`cspsim.inputs.dated.CouncilReorganisation`) replaces the
two-tier districts of the named counties (or all) with new unitaries on its date, as the
English Devolution White Paper (December 2024) proposes (FACTS.md section 1, (U)). Each new
unitary forms its own CSP; its areas stop being two-tier, so the county council stops being
their partner (:attr:`cspsim.inputs.geography.Period.two_tier`), and their partners'
engagement takes the transition shock (``council_reorganisation_shock``).

The grouping rule (no published groupings are in FACTS.md or sources/, so it is an
assumption, documented in docs/GEOGRAPHY.md): a county of population P (the districts'
populations at the run's start) becomes ``k = max(1, round(P / target))`` unitaries; its
district councils, in ONS code order, are cut into ``k`` consecutive groups of about equal
population (a district goes to group ``floor(k * m / P)``, ``m`` the cumulative population at
its midpoint). ONS code order is deterministic but not geographic.
"""

from __future__ import annotations

import datetime as dt
import difflib
from copy import deepcopy

from cspsim.inputs.dated import CouncilReorganisation

COUNTY_SUFFIX = " County Council"


class ReorganiseError(LookupError):
    """A scenario's future reorganisation cannot be applied (an unknown county, a bad date)."""


PERIOD_KEYS = ("council_code", "council_name", "council_type", "csp_code", "csp_name")


def county_name(council: str) -> str:
    """``"Kent County Council"`` -> ``"Kent"``."""
    return council.removesuffix(COUNTY_SUFFIX)


def groups_of(populations: list[float], k: int) -> list[int]:
    """Group (0..k-1) of each council, in order: consecutive groups of about equal population."""
    total = sum(populations)
    out, cumulative = [], 0.0
    for pop in populations:
        middle = cumulative + pop / 2
        out.append(min(k - 1, int(k * middle / total)) if total > 0 else 0)
        cumulative += pop
    return out


def _selected(r: CouncilReorganisation, present: set[str]) -> set[str]:
    """The county councils ``r`` names, among those of the areas (``present``).

    Raises:
        ReorganiseError: a name is not a county with two-tier districts among the areas.
    """
    if r.counties == "all":
        return present
    by_key = {county_name(c).casefold(): c for c in present}
    out, problems = set(), []
    for name in r.counties:
        key = county_name(name.strip()).casefold()
        if key in by_key:
            out.add(by_key[key])
            continue
        near = difflib.get_close_matches(name, sorted(county_name(c) for c in present), n=3)
        hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        where = ", ".join(sorted(county_name(c) for c in present)) or "none"
        problems.append(
            f"on {r.date}: {name!r} is not a county with two-tier districts in this "
            f"geography then (counties: {where}){hint}"
        )
    if problems:
        raise ReorganiseError("; ".join(problems))
    return out


def reorganised(
    rows: list[dict],
    periods: list[dict],
    changes: list[CouncilReorganisation],
    start: dt.date,
    default_target: float,
) -> list[dict]:
    """The real periods with the scenario's reorganisations appended (same dict form as
    :func:`cspsim.inputs.real_areas.real_periods`, plus ``transition``: whether each area's
    council is replaced on the period's start).

    Args:
        rows: The areas (``real_rows``): ``code``, ``population``, ``county_council``.
        periods: The real periods, first first.
        changes: The scenario's reorganisations.
        start: The run's start.
        default_target: Residents per new unitary where a change gives none.

    Raises:
        ReorganiseError: a change is dated on or before ``start``, or names an unknown county.
    """
    out = [dict(p) for p in periods]
    for r in sorted(changes, key=lambda c: c.date):
        if r.date <= start:
            raise ReorganiseError(f"date {r.date} must be after the start, {start}")
        before = [p for p in out if p["start"] <= r.date][-1]
        county_of = _districts(rows, before)
        counties = _selected(r, set(county_of.values()))
        new = {k: list(v) for k, v in deepcopy(before).items() if k in PERIOD_KEYS}
        transition = [False] * len(rows)
        target = r.target_population or default_target
        used: set[int] = set()  # the groups of r.groups a county took
        for county in sorted(counties):
            members = sorted(c for c, cc in county_of.items() if cc == county)
            pops = [
                sum(
                    row["population"]
                    for i, row in enumerate(rows)
                    if before["council_code"][i] == c
                )
                for c in members
            ]
            given = _given_groups(r, members, before, used)
            if given is None:
                k = max(1, round(sum(pops) / target))
                group = dict(zip(members, groups_of(pops, k), strict=True))
            else:
                group, k = given
            for i in range(len(rows)):
                old = before["council_code"][i]
                if old not in group:
                    continue
                g = group[old]
                code = f"LGR-{county_name(county)}-{g + 1}"
                name = county_name(county) if k == 1 else f"{county_name(county)} ({g + 1} of {k})"
                for key, value in zip(
                    PERIOD_KEYS, (code, name, "unitary", f"CSP-{code}", name), strict=True
                ):
                    new[key][i] = value
                transition[i] = True
        if unused := [g for j, g in enumerate(r.groups) if j not in used]:
            raise ReorganiseError(
                f"on {r.date}: groups {unused} name no two-tier district of the counties "
                "reorganised (names or ONS codes of district councils in force then)"
            )
        later = [p for p in out if p["start"] > r.date]
        out = [p for p in out if p["start"] < r.date]
        out.append({"start": r.date, **new, "transition": transition})
        for p in later:  # a later real change keeps the new unitaries where they exist
            merged = {k: list(v) for k, v in p.items() if k in PERIOD_KEYS}
            for key in PERIOD_KEYS:
                for i, moved in enumerate(transition):
                    if moved:
                        merged[key][i] = new[key][i]
            out.append({"start": p["start"], **merged})
    return out


def _given_groups(
    r: CouncilReorganisation, members: list[str], period: dict, used: set[int]
) -> tuple[dict[str, int], int] | None:
    """The published grouping of one county's district councils (``members``, codes), if
    ``r.groups`` names any of them: (group of each council, number of groups); the groups
    taken are added to ``used``.

    Raises:
        ReorganiseError: a group mixes this county's districts with other names, or a
            district is in no group or in two.
    """
    names = dict(zip(period["council_code"], period["council_name"], strict=True))
    lookup = {key.casefold(): c for c in members for key in (c, names[c])}
    mine = []
    for j, group in enumerate(r.groups):
        found = [lookup.get(n.strip().casefold()) for n in group]
        if any(found):
            if not all(found):
                stray = [n for n, f in zip(group, found, strict=True) if f is None]
                raise ReorganiseError(
                    f"on {r.date}: group {group} mixes districts of one county with {stray}"
                )
            mine.append([f for f in found if f is not None])
            used.add(j)
    if not mine:
        return None
    out: dict[str, int] = {}
    for g, councils in enumerate(mine):
        for c in councils:
            if c in out:
                raise ReorganiseError(f"on {r.date}: {names[c]!r} is in two groups")
            out[c] = g
    if missing := [names[c] for c in members if c not in out]:
        raise ReorganiseError(f"on {r.date}: districts in no group: {missing}")
    return out, len(mine)


def _districts(rows: list[dict], period: dict) -> dict[str, str]:
    """County council of each two-tier district council in force in ``period``."""
    out: dict[str, str] = {}
    for i, row in enumerate(rows):
        if period["council_type"][i] == "district_borough" and row.get("county_council"):
            out[period["council_code"][i]] = row["county_council"]
    return out
