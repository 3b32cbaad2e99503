"""Fused forms of the phase rules, for the step's hot path (numpy only, no Mesa).

Each function here equals a composition of the reference rules in
:mod:`cspsim.model.rules.delivery` and :mod:`cspsim.model.rules.engagement` (up to floating-point
rounding) but takes constants worked out before the run and needs fewer array operations.
The docstrings name the composition each one replaces.
"""

from __future__ import annotations

import numpy as np

from cspsim.model.rules.engagement import sigmoid


def council_fill(avail: np.ndarray, gap: np.ndarray, eff: np.ndarray) -> np.ndarray:
    """Capacity each council team adds to its own CSP's gaps (one area per CSP).

    Equals ``np.minimum(allocate_flexible(avail, gap) * eff_ad, gap)`` with ``eff_ad`` =
    ``eff[:, None]`` (``eff`` of shape (n,)) or ``eff`` (shape (n, d)): the team's capacity is
    shared over duties in proportion to the gaps, and delivers at most the gap.

    Args:
        avail: Team capacity available per area (fte), shape (n,), non-negative.
        gap: Unmet demand per area and duty, shape (n, d), non-negative.
        eff: Efficiency per area (n,) or per area and duty (n, d), non-negative.
    """
    total = gap @ np.ones(gap.shape[1])
    per_gap = avail / np.where(total > 0, total, 1.0)  # capacity per unit of gap
    if eff.ndim == 1:
        # min(gap * f, gap) = gap * min(f, 1) because gap >= 0.
        return gap * np.minimum(per_gap * eff, 1.0)[:, None]
    return gap * np.minimum(per_gap[:, None] * eff, 1.0)


def delivered_share(
    unit_dem: np.ndarray, unit_cap: np.ndarray, fixed_fte: np.ndarray, dem_safe: np.ndarray
) -> np.ndarray:
    """Share of each delivery unit's demand delivered.

    Equals ``np.where(unit_dem > 0, deliver(unit_dem, unit_cap, fixed) / unit_dem, 0)``.

    Args:
        unit_dem: Demand per unit.
        unit_cap: Effective capacity per unit.
        fixed_fte: The unit's fixed cost where it has demand, else 0
            (``np.where(unit_dem > 0, fixed, 0)``).
        dem_safe: ``unit_dem`` with zeros replaced by 1.
    """
    net = unit_cap - fixed_fte
    return np.minimum(unit_dem, np.maximum(net, np.zeros_like(net))) / dem_safe


def target_logit_offset(
    base_logit: np.ndarray,
    bound_share: np.ndarray,
    dilution: np.ndarray,
    w_statutory: float,
    w_dilution: float,
) -> np.ndarray:
    """The parts of the engagement target's logit that are fixed over a segment.

    ``engagement_target(base_logit, r, p, bound_share, dilution, w)`` equals
    ``sigmoid(offset + w_r * r - w_p * p)`` with this ``offset``.
    """
    return base_logit + w_statutory * bound_share - w_dilution * dilution


def adapt_engagement(
    engagement: np.ndarray,
    logit: np.ndarray,
    rate: float,
    noise: np.ndarray,
    upper: np.ndarray,
) -> np.ndarray:
    """Engagement after one quarter, 0 where there is no partner.

    Equals ``np.where(upper > 0, adapt(engagement, sigmoid(logit), rate, noise), 0.0)`` for
    ``upper`` = 1 where the area has a partner of that type and 0 elsewhere.
    """
    moved = engagement + rate * (sigmoid(logit) - engagement) + noise
    return np.minimum(np.maximum(moved, np.zeros_like(moved)), upper)
