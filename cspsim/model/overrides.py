"""Changes that apply to some places only, by step: one council's budget
(``[[funding.area_cuts]]``) and the PCC funding model of some force areas (``[[pcc.changes]]``
with ``forces``).

A council is named by its name or ONS code: an area of the run, or a council of any of its
periods (a unitary made of several areas by a reorganisation takes every one of them). A
force by its police force's name ("Kent Police" or "Kent"), or as ``mayoral`` / ``other``.
"""

from __future__ import annotations

import datetime as dt
import difflib

import numpy as np

from cspsim.inputs.dated import AreaCut, PccChange
from cspsim.inputs.geography import Geography
from cspsim.inputs.params import Params
from cspsim.inputs.scenario import Scenario, ScenarioError
from cspsim.model.schedule import Schedule
from cspsim.model.timeline import active_from, cut_multiplier


def areas_named(geo: Geography, name: str) -> np.ndarray:
    """Which areas the council ``name`` (name or ONS code, any case) covers, (n_areas,) bool.

    Raises:
        ScenarioError: no area or council of the run has that name or code (one line, with
            the nearest names).
    """
    key = name.strip().casefold()
    mask = np.array(
        [key in (n.casefold(), c.casefold()) for n, c in zip(geo.names, _codes(geo), strict=True)]
    )
    known = {*geo.names, *(c for c in _codes(geo) if c)}
    for period in geo.timeline():
        for k, (code, cname) in enumerate(
            zip(period.council_codes, period.council_names, strict=True)
        ):
            known.update((code, cname))
            if key in (code.casefold(), cname.casefold()):
                mask |= period.council == k
    if not mask.any():
        near = difflib.get_close_matches(name, sorted(known), n=3)
        hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        raise ScenarioError(
            [f"funding.area_cuts: area {name!r} is not a council of this scenario{hint}"]
        )
    return mask


def _codes(geo: Geography) -> list[str]:
    return geo.codes or [""] * geo.n


def cut_path(cut: AreaCut, quarters: list[dt.date], P: Params) -> np.ndarray:
    """Budget multiplier of one council cut by step: phased in from ``start``, back to 1 from
    ``end``; a section 114 notice without ``pct`` takes the registry's
    ``section_114_cut_pct``."""
    pct = P.section_114_cut_pct if cut.pct is None else cut.pct
    path: np.ndarray = cut_multiplier(quarters, cut.start, pct, cut.years)
    if cut.end is not None:
        path = np.where(active_from(quarters, cut.end), 1.0, path)
    return path


def council_index(scenario: Scenario, geo: Geography, sched: Schedule, P: Params) -> np.ndarray:
    """Each council's budget multiplier by step, (n_steps, n_areas): the funding path's
    council index times the scenario's cuts to single councils."""
    index = np.repeat(sched.budget_index[:, :1], geo.n, axis=1)
    for cut in scenario.funding.area_cuts:
        mask = areas_named(geo, cut.area)
        index[:, mask] *= cut_path(cut, sched.quarters, P)[:, None]
    out: np.ndarray = np.maximum(index, 0.0)
    return out


def _forces_of(change: PccChange, geo: Geography) -> np.ndarray:
    """Which force areas a PCC change applies to, (n_forces,) bool.

    Raises:
        ScenarioError: a named force is not one of the scenario's (one line, nearest names).
    """
    names = geo.footprint_names["police"]
    if change.forces == "all":
        return np.ones(len(names), dtype=bool)
    if change.forces in ("mayoral", "other"):
        mayoral = np.array([_mayor_on(geo, f, change.date) for f in names], dtype=bool)
        return mayoral if change.forces == "mayoral" else ~mayoral
    keys = [n.casefold() for n in names]
    out = np.zeros(len(names), dtype=bool)
    for name in change.forces:
        key = name.strip().casefold()
        hits = [i for i, k in enumerate(keys) if key in (k, k.removesuffix(" police"))]
        if not hits:
            near = difflib.get_close_matches(name, names, n=3)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            raise ScenarioError(
                [f"pcc.changes: force {name!r} is not a police force of this scenario{hint}"]
            )
        out[hits] = True
    return out


def _mayor_on(geo: Geography, force: str, on: dt.date) -> bool:
    """Whether a mayor holds police and crime functions in ``force`` on ``on`` (the latest
    body in office by then, real places; never elsewhere)."""
    bodies = [b for b in geo.police_bodies.get(force, []) if b["from"] <= on]
    return bool(bodies) and "Mayor" in str(bodies[-1]["name"])


def pcc_models(scenario: Scenario, geo: Geography, sched: Schedule) -> np.ndarray:
    """The PCC fund's funding model in each force area by step, (n_steps, n_forces): the
    scenario's model, then each of ``pcc.changes`` from its date in its forces (in date
    order; changes on the same date apply in the order given)."""
    n_forces = len(geo.footprint_names["police"])
    out = np.full((sched.n_steps, n_forces), scenario.pcc.funding_model, dtype=object)
    for change in sorted(scenario.pcc.changes, key=lambda c: c.date):
        steps = active_from(sched.quarters, change.date)
        out[np.ix_(steps, _forces_of(change, geo))] = change.funding_model
    return out
