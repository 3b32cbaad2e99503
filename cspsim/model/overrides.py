"""Changes to one council's budget (``[[funding.area_cuts]]``), as a multiplier by step.

A council is named by its name or ONS code: an area of the run, or a council of any of its
periods (a unitary made of several areas by a reorganisation takes every one of them).
"""

from __future__ import annotations

import datetime as dt
import difflib

import numpy as np

from cspsim.inputs.dated import AreaCut
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
