"""Phase 4 maths: turning committed capacity into delivery."""

from __future__ import annotations

import numpy as np


def partnership_fte(team_fte: np.ndarray, elasticity: float, ref_fte: float) -> np.ndarray:
    """Team capacity that goes to partnership work.

    ``ref_fte * (team_fte / ref_fte) ** elasticity``: proportional to the team at elasticity 1;
    below 1, a team larger than ``ref_fte`` gives less than proportionally (its extra staff
    run the council's own services: wardens, CCTV, enforcement), a smaller one a little more.
    Why: in 2009 "staff numbers did not correlate with reported capacity" (survey T4 with T6).
    """
    if elasticity == 1.0:  # the proportional case exactly (no rounding from the power)
        return team_fte
    return ref_fte * (team_fte / ref_fte) ** elasticity


def efficiency(
    base: float,
    coordinator: np.ndarray,
    analyst: np.ndarray,
    member_chair: np.ndarray,
    turnover_loss: np.ndarray,
    gains: tuple[float, float, float],
) -> np.ndarray:
    """Share of committed capacity that becomes delivery in each CSP.

    efficiency = base * (1 + g_c * coordinator) * (1 + g_a * analyst)
                 * (1 - p_m * member_chair) * (1 - turnover_loss)
    """
    g_c, g_a, p_m = gains
    return (
        base
        * (1 + g_c * coordinator)
        * (1 + g_a * analyst)
        * (1 - p_m * member_chair)
        * (1 - turnover_loss)
    )


def locality_factor(n_areas: np.ndarray, low_volume: np.ndarray, penalty: float) -> np.ndarray:
    """Efficiency kept when a duty is delivered over ``n_areas`` council areas.

    High-volume duties lose up to ``penalty`` as the footprint grows (local knowledge, travel);
    low-volume ones lose nothing (they gain through the shared fixed cost instead).
    """
    loss = penalty * (1.0 - 1.0 / np.maximum(n_areas, 1))
    return np.where(low_volume, 1.0, 1.0 - loss)


def deliver(demand: np.ndarray, capacity: np.ndarray, fixed_cost: np.ndarray) -> np.ndarray:
    """Delivery of each unit: effective capacity net of the fixed cost, capped at demand."""
    net = np.maximum(capacity - np.where(demand > 0, fixed_cost, 0.0), 0.0)
    return np.minimum(demand, net)


def allocate_flexible(capacity: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """Split each CSP's flexible (council) capacity across duties in proportion to the gaps.

    Args:
        capacity: Flexible capacity per CSP, shape (n,).
        gap: Unmet demand per CSP and duty before this capacity, shape (n, d).

    Returns:
        Allocation, shape (n, d); each row sums to ``capacity`` where the row has a gap.
    """
    total = gap.sum(axis=1, keepdims=True)
    return np.where(total > 0, capacity[:, None] * gap / np.where(total > 0, total, 1.0), 0.0)
