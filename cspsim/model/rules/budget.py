"""Phase 1 maths: budgets, grants, staffing. Money is conserved: every function returns
what it passes on and what it keeps, so tests can check that nothing is created or lost."""

from __future__ import annotations

import numpy as np


def share_by_weight(amount: np.ndarray, weight: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Split each group's ``amount`` among its members in proportion to ``weight``.

    Args:
        amount: Money per group (GBP), shape (n_groups,).
        weight: Non-negative weight per member, shape (n_members,).
        group: Group index of each member, shape (n_members,).

    Returns:
        Money per member; sums to ``amount`` for every group with positive total weight.
    """
    total = np.bincount(group, weights=weight, minlength=len(amount))
    safe = np.where(total > 0, total, 1.0)
    return amount[group] * weight / safe[group]


def divert(amount: np.ndarray, pressure: np.ndarray, diversion: float, ring_fenced: bool):
    """Part of a non-ring-fenced grant absorbed by the council's general budget pressure.

    Returns:
        (kept for community safety, diverted elsewhere); they sum to ``amount``.
    """
    if ring_fenced:
        return amount, np.zeros_like(amount)
    lost = amount * np.clip(diversion * pressure, 0.0, 1.0)
    return amount - lost, lost


def pcc_pass_on(
    fund_by_force: np.ndarray,
    force_of_area: np.ndarray,
    population: np.ndarray,
    model: str,
    retained_share: float,
    bid_strength: np.ndarray,
):
    """How a PCC passes its community safety fund on.

    Args:
        fund_by_force: Fund per force area (GBP per quarter).
        force_of_area: Force index of each council area.
        population: Residents per area.
        model: ``grant`` (to CSPs by population, PCC keeps ``retained_share``), ``central``
            (PCC commissions everything itself) or ``bids`` (CSPs bid; money follows
            population times bid strength, PCC keeps ``retained_share``).
        retained_share: Share kept by the PCC under ``grant`` and ``bids``.
        bid_strength: Relative strength of each area's bid (analyst, coordinator).

    Returns:
        (money to each area's CSP, money the PCC commissions centrally per force).
    """
    if model == "central":
        return np.zeros_like(population), fund_by_force.copy()
    kept = fund_by_force * retained_share
    passed = fund_by_force - kept
    weight = population if model == "grant" else population * bid_strength
    return share_by_weight(passed, weight, force_of_area), kept


def staff_update(fte: np.ndarray, funded_fte: np.ndarray, rate: float) -> np.ndarray:
    """Team FTE after one quarter: hiring closes ``rate`` of a gap, cuts bite at once.

    Staff never exceed what the budget pays for, so money committed never exceeds money held.
    """
    grown = fte + rate * (funded_fte - fte)
    return np.minimum(funded_fte, np.maximum(grown, 0.0))


def turnover_loss(year_start: bool, grant_share: np.ndarray, turnover: float, loss: float):
    """Share of a team's capacity lost this quarter to replacing grant-funded leavers.

    At the start of each financial year a share ``turnover`` of grant-funded staff leave and
    are replaced; a replacement loses ``loss`` of a quarter's capacity.
    """
    if not year_start:
        return np.zeros_like(grant_share)
    return np.clip(grant_share * turnover * loss, 0.0, 1.0)
