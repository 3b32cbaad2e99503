"""Survey-style readout: continuous state mapped onto the 2009 survey's answer categories.

The mapping is the same for every authority type; its thresholds are registry parameters.
"""

from __future__ import annotations

import numpy as np

INVOLVEMENT = ("not_at_all_involved", "not_very_involved", "fairly_involved", "very_involved")
CAPACITY_IMPACT = ("never", "seldom", "sometimes", "often", "always")


def involvement(engagement: np.ndarray, thresholds: tuple[float, float, float]) -> np.ndarray:
    """Index into :data:`INVOLVEMENT` for each engagement value.

    Args:
        engagement: Values in [0, 1].
        thresholds: (not_very, fairly, very): lowest engagement for each category.
    """
    lo, mid, hi = thresholds
    return np.searchsorted(np.array([lo, mid, hi]), engagement, side="right")


def capacity_impact(unmet_share: np.ndarray, thresholds: tuple[float, ...]) -> np.ndarray:
    """Index into :data:`CAPACITY_IMPACT`: how often lack of capacity hurt delivery.

    Args:
        unmet_share: Share of demand not met, in [0, 1].
        thresholds: (seldom, sometimes, often, always): lowest unmet share for each.
    """
    return np.searchsorted(np.asarray(thresholds), unmet_share, side="right")
