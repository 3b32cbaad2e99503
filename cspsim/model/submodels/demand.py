"""ODD 7.2 Demand: each duty in force creates workload in proportion to population, and
each contributor (council, police, ...) is expected to carry a share of it, some of it bound
by statute.

* :func:`demand_per_area` and :func:`workload`: the workload tables (demand is constant
  while the duties in force and the statutory bindings are, so the array engine works it out
  once per segment).
* The agent engine's matching perception: :meth:`cspsim.model.agents.Council.assess_demand`,
  which calls :func:`expected_shares` for its own area.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cspsim.vocab import PER_100K


def demand_per_area(population: np.ndarray, fte_per_100k: np.ndarray, scale: float) -> np.ndarray:
    """Workload of every duty in every area if all were in force, (n_areas, n_duties) fte.

    Args:
        population: Residents per area.
        fte_per_100k: Workload per 100,000 residents of each duty (the duty catalogue).
        scale: The registry's ``demand_scale``.
    """
    demand: np.ndarray = population[:, None] / PER_100K * fte_per_100k[None, :] * scale
    return demand


@dataclass(frozen=True)
class Workload:
    """Demand, and the partners' expected and statutorily bound shares of it.

    Attributes:
        demand: Workload by area and duty (fte), (n_areas, n_duties).
        need: Each partner type's expected share of an area's workload (fte), (7, n_areas).
        bound_need: The part of ``need`` a statute binds the partner to (fte), (7, n_areas).
        bound_share: ``bound_need / need`` (0 where no need), (7, n_areas).
    """

    demand: np.ndarray
    need: np.ndarray
    bound_need: np.ndarray
    bound_share: np.ndarray


def workload(
    demand_full: np.ndarray,
    W: np.ndarray,
    duty_active: np.ndarray,
    bound: np.ndarray,
    bound_w: np.ndarray | None = None,
) -> Workload:
    """Workload of the duties in force, for every area.

    Args:
        demand_full: :func:`demand_per_area`.
        W: Contribution weights, (n_areas, contributors, n_duties).
        duty_active: Workload multiplier of each duty (0 = not in force; the schedule's
            ``duty_level``), (n_duties,).
        bound: Which contributor is bound to which duty, (contributors, n_duties).
        bound_w: Optional work array shaped like ``W``.
    """
    demand = demand_full * duty_active
    need = np.einsum("ad,axd->xa", demand, W)
    bound_w = np.empty_like(W) if bound_w is None else bound_w
    np.multiply(W, bound.astype(float)[None], out=bound_w)  # 0/1: the products of bools
    bound_need = np.einsum("ad,axd->xa", demand, bound_w)
    bound_share = np.where(need > 0, bound_need / np.where(need > 0, need, 1), 0.0)
    return Workload(demand, need[1:], bound_need[1:], bound_share[1:])


def expected_shares(
    weights: np.ndarray, demand: np.ndarray, bound: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One area's partners' expected and statutorily bound work (fte), each (7,).

    Args:
        weights: The area's contribution weights of the partners, (7, n_duties).
        demand: The area's workload by duty (fte).
        bound: Which partner is bound to which duty, (7, n_duties).
    """
    return weights @ demand, (weights * bound.astype(float)) @ demand
