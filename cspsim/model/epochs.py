"""The epochs of a run: when its partnership structure and partner footprints change.

An *epoch* (:class:`cspsim.model.world.Epoch`) is a stretch of quarters with one structure.
:func:`build_epochs` finds the run's epoch boundaries (partner reorganisations such as PCTs
to CCGs or the NPS's years, ICB mergers, the scenario's merged or "1+4" structure, and the
councils' own changes by period), builds each epoch with
:func:`cspsim.model.world.build_epoch`, and says which partner types were reorganised at each
start (their engagement takes the reorganisation shock). Pure numpy, no Mesa.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np

from cspsim.inputs.duties import DutyTable
from cspsim.inputs.geography import Geography
from cspsim.inputs.icb_mergers import merged_level
from cspsim.inputs.scenario import Scenario
from cspsim.model.merging import is_merger_level, regrouped
from cspsim.model.splits import Split
from cspsim.model.timeline import active_from
from cspsim.model.world import (
    INITIAL_LEVEL,
    LEVEL_NAME,
    NO_FOOTPRINT,
    Epoch,
    EpochCache,
    build_epoch,
)
from cspsim.vocab import PARTNER_TYPES


def _same_footprint(geo: Geography, old: str, new: str) -> bool:
    """Whether two footprint levels group the council areas identically (``none``, no
    agency, is the same only as itself)."""
    if NO_FOOTPRINT in (old, new):
        return old == new
    return _same_partition(geo.footprint[old], geo.footprint[new])


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two agency assignments group the council areas identically."""
    pairs: int = np.unique(np.stack([a, b]), axis=1).shape[1]
    return pairs == np.unique(a).size == np.unique(b).size


# Epochs of recent runs: bulk runs (replicates, sweeps, calibration) build many models of one
# geography whose structure does not change between them. Keyed by what the epochs depend on;
# the geography by identity (it is kept with the entry, so its id cannot be reused).
_EPOCH_CACHE: dict[
    tuple[object, ...], tuple[Geography, tuple[list[Epoch], np.ndarray, list[set[str]]]]
] = {}
_EPOCH_CACHE_SIZE = 4


def build_epochs(
    scenario: Scenario,
    geo: Geography,
    duties: DutyTable,
    quarters: list[dt.date],
    splits: Mapping[str, Split] | None = None,
) -> tuple[list[Epoch], np.ndarray, list[set[str]]]:
    """All epochs of a run (shared with earlier runs of the same structure: read only).

    ``splits``: how split-off partner types share their parents' work and staff
    (:func:`cspsim.model.splits.splits_of`; none: they take none).

    Returns:
        (epochs, epoch index of each step, partner types reorganised at each epoch start).
    """
    key = (
        id(geo),
        scenario.structure.model_dump_json(),
        tuple(r.model_dump_json() for r in scenario.reorganisations),
        tuple(m.model_dump_json() for m in scenario.geography.merge_icbs),
        duties.ids,
        duties.weight.tobytes(),
        duties.county_led.tobytes(),
        tuple(quarters),
        tuple((c, sp.work_share.tobytes(), sp.staff_share) for c, sp in (splits or {}).items()),
    )
    hit = _EPOCH_CACHE.get(key)
    if hit is not None and hit[0] is geo:
        return hit[1]
    out = _build_epochs(scenario, geo, duties, quarters, splits or {})
    if len(_EPOCH_CACHE) >= _EPOCH_CACHE_SIZE:
        _EPOCH_CACHE.pop(next(iter(_EPOCH_CACHE)))
    _EPOCH_CACHE[key] = (geo, out)
    return out


def _build_epochs(
    scenario: Scenario,
    geo: Geography,
    duties: DutyTable,
    quarters: list[dt.date],
    splits: Mapping[str, Split],
) -> tuple[list[Epoch], np.ndarray, list[set[str]]]:
    """All epochs of a run, built (see :func:`build_epochs`)."""
    events: dict[int, list[tuple[str, str]]] = {}
    for r in scenario.reorganisations:
        step = (
            int(np.argmax(active_from(quarters, r.date)))
            if active_from(quarters, r.date).any()
            else None
        )
        if step is not None and r.date > quarters[0]:
            events.setdefault(step, []).append((r.agency, LEVEL_NAME[r.footprint]))
        elif r.date <= quarters[0]:
            events.setdefault(0, []).append((r.agency, LEVEL_NAME[r.footprint]))
    for day in sorted({m.date for m in scenario.geography.merge_icbs}):  # after the data's
        mask = active_from(quarters, day)
        if mask.any():
            events.setdefault(int(np.argmax(mask)), []).append(("health", merged_level(day)))
    struct_step = 0
    if scenario.structure.mode != "separate" and scenario.structure.start is not None:
        mask = active_from(quarters, scenario.structure.start)
        struct_step = int(np.argmax(mask)) if mask.any() else len(quarters)
    # Councils and CSPs change at their periods' starts (the first covers the run's start).
    period_step = [0]
    for p in geo.timeline()[1:]:
        mask = active_from(quarters, p.start)
        period_step.append(int(np.argmax(mask)) if mask.any() else len(quarters))
    boundaries = sorted({0, *events, struct_step, *period_step} - {len(quarters)})
    levels = dict(INITIAL_LEVEL)
    epochs: list[Epoch] = []
    shocked: list[set[str]] = []
    cache = EpochCache()
    for b in boundaries:
        changed = set()
        merged = np.zeros((len(PARTNER_TYPES), geo.n), dtype=bool)
        for agency, level in events.get(b, []):
            if levels[agency] != level:
                if b > 0 and is_merger_level(level):  # only where agencies merged
                    old, new = geo.footprint[levels[agency]], geo.footprint[level]
                    merged[PARTNER_TYPES.index(agency)] |= regrouped(old, new)
                # Shock engagement only if the footprints really change (in a small area a
                # PCT, a CCG and an ICB can cover exactly the same council areas).
                elif b > 0 and not _same_footprint(geo, levels[agency], level):
                    changed.add(agency)
                levels[agency] = level
        structured = scenario.structure.mode != "separate" and b >= struct_step
        period = int(np.searchsorted(period_step, b, side="right")) - 1
        ep = build_epoch(scenario, geo, duties, b, structured, dict(levels), cache, period, splits)
        if b > 0 and period_step[period] == b:  # the councils change now
            ep.transition = geo.timeline()[period].transition
        if merged.any():
            ep.merged = merged
        epochs.append(ep)
        shocked.append(changed)
    epoch_of_step = (
        np.searchsorted([e.start_step for e in epochs], np.arange(len(quarters)), side="right") - 1
    )
    return epochs, epoch_of_step, shocked
