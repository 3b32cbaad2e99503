"""Phases 3 and 5 maths: what partners commit, and how their engagement adapts."""

from __future__ import annotations

import numpy as np


def logit(p: np.ndarray | float) -> np.ndarray:
    """Log-odds, with ``p`` clipped away from 0 and 1."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`logit`."""
    return 1.0 / (1.0 + np.exp(-x))


def willingness(pressure: np.ndarray | float, sensitivity: float) -> np.ndarray:
    """Share of its wanted commitment a partner under budget ``pressure`` still offers."""
    return np.clip(1.0 - sensitivity * np.asarray(pressure), 0.0, 1.0)


def desired_commitment(
    need: np.ndarray, engagement: np.ndarray, bound_share: np.ndarray, floor: float, will
) -> np.ndarray:
    """Capacity (FTE) a partner wants to give a CSP.

    ``need`` is the partner's expected share of the CSP's workload; it gives the larger of its
    engagement and the statutory floor on the part of that workload a duty binds it to,
    scaled by its willingness under budget pressure.
    """
    return need * np.maximum(engagement, floor * bound_share) * will


def ration(desired: np.ndarray, agency: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Scale commitments so no agency commits more than it has available.

    Args:
        desired: Wanted commitment per link (FTE).
        agency: Agency index of each link.
        available: Available capacity per agency (FTE).

    Returns:
        Commitment per link; per agency the total is min(total desired, available).
    """
    wanted = np.bincount(agency, weights=desired, minlength=len(available))
    scale = np.where(wanted > available, available / np.where(wanted > 0, wanted, 1.0), 1.0)
    return desired * scale[agency]


def engagement_target(
    base_logit: np.ndarray,
    reciprocity: np.ndarray,
    pressure: np.ndarray,
    bound_share: np.ndarray,
    dilution: np.ndarray,
    weights: tuple[float, float, float, float],
) -> np.ndarray:
    """Engagement a partner tends to, given what it sees at one CSP.

    target = sigmoid(base_logit + w_r * reciprocity - w_p * pressure + w_s * bound_share
                     - w_d * dilution)

    All inputs are deviations from their 2009 reference values (so that in 2009 conditions
    the target averages the partner type's base engagement).
    """
    w_r, w_p, w_s, w_d = weights
    return sigmoid(
        base_logit + w_r * reciprocity - w_p * pressure + w_s * bound_share - w_d * dilution
    )


def adapt(engagement: np.ndarray, target: np.ndarray, rate: float, noise: np.ndarray) -> np.ndarray:
    """Engagement after one quarter: inertia towards ``target`` plus noise, kept in [0, 1]."""
    return np.clip(engagement + rate * (target - engagement) + noise, 0.0, 1.0)
