"""Per-quarter measures of a finished run, for a group of CSPs, straight from its records.

:func:`quarterly` gives a group's value in every quarter, computed as
``cspsim.analysis.outputs.run_frame`` does (a test checks it): shares met are total delivery
over total demand; FTE and money are totals; engagement and post shares are means over the
group's CSPs (a CSP's engagement is the population-weighted mean over its areas).
:func:`quarterly_share` gives, per quarter, the share of the group's CSPs (or of their council
areas) whose own value is below or above a threshold (the exceedance outcomes).

A *group* is the CSPs of one authority type (or all), optionally only those that cover some
named council areas; CSPs are renumbered when the structure changes (merges), so the group
is chosen again in each epoch of the run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from cspsim.vocab import AUTHORITY_TYPES, PARTNER_TYPES

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel
    from cspsim.model.world import Epoch

#: Measures that add up over areas (a group's value is the sum over its areas).
_FLOWS = ("demand_fte", "delivered_fte", "unmet_fte")


def group_csps(model: CSPModel, ep: Epoch, level: str, areas: Sequence[str] = ()) -> np.ndarray:
    """Which CSPs of an epoch are in the group (boolean per CSP).

    Args:
        model: A built or finished run.
        ep: One of its epochs.
        level: ``national`` or an authority type (the CSPs of that type).
        areas: Council area names; if given, only the CSPs that cover any of them.
    """
    csp_in = np.ones(len(ep.csp_names), bool)
    if level != "national":
        csp_in = ep.csp_type == AUTHORITY_TYPES.index(level)
    if areas:
        names = model.geo.names
        covering = np.zeros_like(csp_in)
        covering[ep.csp_of_area[[names.index(a) for a in areas if a in names]]] = True
        csp_in = csp_in & covering
    return csp_in


def quarterly(
    model: CSPModel,
    measure: str,
    level: str,
    sums: dict[str, np.ndarray] | None = None,
    areas: Sequence[str] = (),
) -> np.ndarray:
    """The measure for the group in every simulated quarter, shape (steps,).

    Args:
        model: A finished run.
        measure: Measure name (see :class:`~cspsim.studies.sensitivity.outcomes.OutcomeSpec`).
        level: ``national`` or an authority type.
        sums: Cache of (step, area) totals, shared between calls on the same run.
        areas: Council area names restricting the group (see :func:`group_csps`).
    """
    sums = {} if sums is None else sums
    values = np.full(model.sched.n_steps, np.nan)
    for span, ep, csp_in in _group_epochs(model, level, areas):
        values[span] = _measure(model, span, ep, csp_in, measure, sums)
    return values


def quarterly_share(
    model: CSPModel,
    measure: str,
    level: str,
    threshold: float,
    below: bool,
    among: str = "csps",
    sums: dict[str, np.ndarray] | None = None,
    areas: Sequence[str] = (),
) -> np.ndarray:
    """Per quarter, the share of the group's units whose value is below (or above) a threshold.

    Args:
        model: A finished run.
        measure: Measure name, computed for each unit on its own.
        level: ``national`` or an authority type.
        threshold: The value compared with (strictly below, or strictly above).
        below: True for the share below ``threshold``, False for the share above.
        among: ``csps`` (each CSP's value) or ``areas`` (each council area of the group's CSPs).
        sums: Cache of (step, area) totals, shared between calls on the same run.
        areas: Council area names restricting the group (see :func:`group_csps`).

    Returns:
        Shape (steps,); NaN in quarters where no unit of the group has a value (a unit
        without a value, e.g. no demand, counts in neither the numerator nor the denominator).
    """
    sums = {} if sums is None else sums
    values = np.full(model.sched.n_steps, np.nan)
    for span, ep, csp_in in _group_epochs(model, level, areas):
        units = csp_in if among == "csps" else csp_in[ep.csp_of_area]
        vals = unit_values(model, span, ep, measure, sums, among)[:, units]
        has = ~np.isnan(vals)
        hit = (vals < threshold) if below else (vals > threshold)
        count = has.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            values[span] = np.where(count > 0, (hit & has).sum(axis=1) / count, np.nan)
    return values


def _group_epochs(
    model: CSPModel, level: str, areas: Sequence[str]
) -> Iterator[tuple[slice, Epoch, np.ndarray]]:
    """(steps, epoch, CSPs in the group) of each epoch that has steps and group members; an
    epoch's steps are consecutive, so a slice keeps the record arrays as views."""
    for k, ep in enumerate(model.epochs):
        steps = np.flatnonzero(model.epoch_of_step == k)
        csp_in = group_csps(model, ep, level, areas)
        if steps.size and csp_in.any():
            yield slice(int(steps[0]), int(steps[-1]) + 1), ep, csp_in


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


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den where den > 0, else NaN."""
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def unit_values(
    model: CSPModel, span: slice, ep: Epoch, measure: str, sums: dict[str, np.ndarray], among: str
) -> np.ndarray:
    """Each CSP's (or each council area's) own value of a measure, shape (steps, units).

    A CSP's value is its areas' total for flows, money and FTE, delivery over demand for
    shares met, the population-weighted mean over its areas for engagement, and 1 if any of
    its areas has the post for the post shares (as in ``run_frame``'s CSP rows).
    """
    rec = model.rec
    per = (lambda v: v) if among == "areas" else (lambda v: _by_csp(v, ep))
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure.startswith("share_met") or measure in _FLOWS:
            suffix = measure.removeprefix("share_met") if measure.startswith("share_met") else ""
            dem = per(_area_totals(model, "demand" + suffix, sums)[span])
            dlv = per(_area_totals(model, "delivered" + suffix, sums)[span])
            if measure.startswith("share_met"):
                return _ratio(dlv, dem)
            return {"demand_fte": dem, "delivered_fte": dlv, "unmet_fte": dem - dlv}[measure]
        if measure in ("spend_gbp", "team_fte"):
            return per(getattr(rec, measure)[span])
        if measure.startswith("eng_"):
            kind, partner = measure.removeprefix("eng_").split("__")
            arr = getattr(rec, f"eng_{kind}")[span, PARTNER_TYPES.index(partner)]  # (s, a)
            if among == "areas":
                return arr
            has = ~np.isnan(arr)
            pop = model.geo.population
            return _ratio(_by_csp(np.where(has, arr, 0.0) * pop, ep), _by_csp(has * pop, ep))
        if measure in ("analyst_share", "coordinator_share"):
            post = getattr(rec, measure.removesuffix("_share"))[span].astype(float)
            return (per(post) > 0).astype(float)
        if measure == "capacity_limited":
            dem = per(_area_totals(model, "demand", sums)[span])
            dlv = per(_area_totals(model, "delivered", sums)[span])
            # As run_frame: a CSP without demand counts as not limited.
            return (_ratio(dlv, dem) < model.P.capacity_limited_threshold).astype(float)
    raise ValueError(f"unknown measure {measure}")  # pragma: no cover - OutcomeSpec rejects it


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
    if measure.startswith("share_met") or measure in _FLOWS:
        suffix = measure.removeprefix("share_met") if measure.startswith("share_met") else ""
        dem = _area_totals(model, "demand" + suffix, sums)[span]
        dlv = _area_totals(model, "delivered" + suffix, sums)[span]
        dem = dem.sum(axis=1) if every else dem[:, areas].sum(axis=1)
        dlv = dlv.sum(axis=1) if every else dlv[:, areas].sum(axis=1)
        if measure.startswith("share_met"):
            with np.errstate(invalid="ignore", divide="ignore"):
                return _ratio(dlv, dem)
        return {"demand_fte": dem, "delivered_fte": dlv, "unmet_fte": dem - dlv}[measure]
    if measure in ("spend_gbp", "team_fte"):
        arr = getattr(rec, measure)[span]
        return arr.sum(axis=1) if every else arr[:, areas].sum(axis=1)
    # Measures averaged over CSPs: per-CSP values first.
    csp_val = unit_values(model, span, ep, measure, sums, "csps")
    sub = csp_val if csp_in.all() else csp_val[:, csp_in]
    cnt = (~np.isnan(sub)).sum(axis=1)
    return np.where(cnt > 0, np.nansum(sub, axis=1) / np.maximum(cnt, 1), np.nan)
