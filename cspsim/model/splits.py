"""Split-off partner types: how one shares the work and staff of the type it split from.

The National Probation Service was split from probation by Transforming Rehabilitation
(1 Jun 2014 - 25 Jun 2021, FACTS.md §1; ``vocab.SPLIT_FROM``). In an epoch where it has links
it takes a registry share of probation's expected contribution to each duty in the areas it
serves (:func:`split_weights`) and holds a registry share of probation's partnership staff
(:func:`staff_shares`); the CRC keeps the rest. Pure numpy, no Mesa.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cspsim.inputs.params import Params
from cspsim.vocab import CONTRIBUTORS, PARTNER_TYPES, SPLIT_FROM


@dataclass(frozen=True)
class Split:
    """How a split-off partner type (``vocab.SPLIT_FROM``) shares the work and staff of the
    type it split from, in the epochs where it has links.

    Attributes:
        work_share: Share of the parent's contribution weight it takes, by duty, in each
            area it serves, (n_duties,).
        staff_share: Share of the parent's partnership staff (``<parent>_fte_per_100k``) it
            holds; the parent keeps the rest.
    """

    work_share: np.ndarray
    staff_share: float


def splits_of(P: Params, high_risk: np.ndarray) -> dict[str, Split]:
    """The registry's split of probation's work and staff with the National Probation
    Service (2014-21), given which duties are high-risk (``DutyTable.high_risk``)."""
    work = np.where(high_risk, P.nps_share_of_high_risk_work, P.nps_share_of_probation_work)
    return {"probation_nps": Split(work_share=work, staff_share=P.nps_staff_share)}


def split_weights(w: np.ndarray, splits: Mapping[str, Split], has: np.ndarray) -> np.ndarray:
    """Contribution shares with each split-off partner type's share taken from its parent's.

    Args:
        w: Shares per area, (n_areas, 8 contributors, n_duties) (not changed).
        splits: The split of each split-off type (:func:`splits_of`).
        has: Whether each (partner type, area) has a link, (7, n_areas).

    Returns:
        ``w`` where no split-off type has a link; else a copy in which, in the areas it
        serves, the child takes ``work_share`` of its parent's weight and the parent keeps
        the rest (so each duty's shares still sum to 1).
    """
    live = [c for c in splits if has[PARTNER_TYPES.index(c)].any()]
    if not live:
        return w
    w = w.copy()
    for child in live:
        k, par = CONTRIBUTORS.index(child), CONTRIBUTORS.index(SPLIT_FROM[child])
        areas = has[PARTNER_TYPES.index(child)]
        taken = w[areas, par, :] * splits[child].work_share[None, :]
        w[areas, k, :] += taken
        w[areas, par, :] -= taken
    return w


def staff_shares(splits: Mapping[str, Split], has: np.ndarray) -> np.ndarray:
    """Share of its type's partnership staff each partner type holds, (7,) (see ``Epoch``)."""
    share = np.ones(len(PARTNER_TYPES))
    for child, sp in splits.items():
        if has[PARTNER_TYPES.index(child)].any():
            share[PARTNER_TYPES.index(child)] = sp.staff_share
            share[PARTNER_TYPES.index(SPLIT_FROM[child])] = 1.0 - sp.staff_share
    return share
