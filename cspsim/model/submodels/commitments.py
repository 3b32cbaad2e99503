"""ODD 7.3 Commitments: each partner agency offers each CSP it serves its expected share of
the work, scaled by its engagement (floored by statutory obligation) and its willingness
under budget pressure, after a fixed attendance cost per CSP; offers are rationed to the
capacity it has.

* The rules (pure functions): :func:`willingness`, :func:`desired_commitment`, :func:`ration`.
* :class:`EpochTables` and :class:`SegmentTables`: links, capacity and willingness by step,
  and each link's expected work, worked out before the run.
* :func:`step_arrays`: the phase on arrays (the fast engine).
* The agent engine's matching decision: :meth:`cspsim.model.agents.PartnerAgency.split_attention`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np

from cspsim.model.linkops import pad_index, safe_denominator, sum_by
from cspsim.model.schedule import PARTNER_COLUMNS
from cspsim.model.types import FloatArray
from cspsim.vocab import PER_100K, QUARTERS_PER_YEAR

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel
    from cspsim.model.segments import Segment
    from cspsim.model.submodels.demand import Workload
    from cspsim.model.world import Epoch


@overload
def willingness(pressure: float, sensitivity: float) -> float: ...
@overload
def willingness(pressure: np.ndarray, sensitivity: float) -> np.ndarray: ...
def willingness(pressure: FloatArray, sensitivity: float) -> FloatArray:
    """Share of its wanted commitment a partner under budget ``pressure`` still offers."""
    will: FloatArray = np.clip(1.0 - sensitivity * np.asarray(pressure), 0.0, 1.0)
    return will


@overload
def desired_commitment(
    need: float, engagement: float, bound_share: float, floor: float, will: float
) -> float: ...
@overload
def desired_commitment(
    need: np.ndarray,
    engagement: np.ndarray,
    bound_share: np.ndarray,
    floor: float,
    will: FloatArray,
) -> np.ndarray: ...
def desired_commitment(
    need: FloatArray,
    engagement: FloatArray,
    bound_share: FloatArray,
    floor: float,
    will: FloatArray,
) -> FloatArray:
    """Capacity (FTE) a partner wants to give a CSP.

    ``need`` is the partner's expected share of the CSP's workload; it gives the larger of its
    engagement and the statutory floor on the part of that workload a duty binds it to,
    scaled by its willingness under budget pressure.
    """
    desired: FloatArray = need * np.maximum(engagement, floor * bound_share) * will
    return desired


def ration(
    desired: np.ndarray,
    agency: np.ndarray,
    available: np.ndarray,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Scale commitments so no agency commits more than it has available.

    Args:
        desired: Wanted commitment per link (FTE).
        agency: Agency index of each link.
        available: Available capacity per agency (FTE), non-negative.
        out: Array to write the commitments into (may be ``desired`` itself).

    Returns:
        Commitment per link; per agency the total is min(total desired, available).
    """
    wanted = np.bincount(agency, weights=desired, minlength=len(available))
    # available / wanted where the agency has less than it wants, else 1: the quotient is at
    # least 1 where wanted <= available, and an agency that wants nothing has only zeros to
    # scale (available is non-negative).
    scale = available / np.where(wanted > 0, wanted, 1.0)
    np.minimum(scale, 1.0, out=scale)
    commit: np.ndarray = np.multiply(desired, scale.take(agency), out=out)
    return commit


@dataclass(frozen=True)
class EpochTables:
    """An epoch's links in the forms the step reads (see :mod:`cspsim.model.linkops`).

    Attributes:
        link_key: Link of each (partner type, area), ``n_links`` where none, (7, n_areas).
        link_pop_safe: Residents of each link's areas (1 where none), (n_links,).
        link_buffer: Work array for reading a value per link by (partner type, area): one
            longer than the links, its last entry 0 (the sink), (n_links + 1,).
        cap: Capacity of each agency for partnership work, by step of the epoch, (S, n_agency).
        cap_gbp: Ledger value of ``cap`` (GBP per quarter) by step of the epoch, (S,).
        will: Willingness of each link's agency under its budget pressure, (S, n_links).
        hub_factor: Meetings per CSP served: 1 + hubs / CSPs, (n_agency,).
    """

    link_key: np.ndarray
    link_pop_safe: np.ndarray
    link_buffer: np.ndarray
    cap: np.ndarray
    cap_gbp: np.ndarray
    will: np.ndarray
    hub_factor: np.ndarray


def build_epoch_tables(m: CSPModel, ep: Epoch, stop: int) -> EpochTables:
    """Tables of epoch ``ep``, in force for steps ``ep.start_step`` to ``stop - 1``."""
    P = m.P
    steps = slice(ep.start_step, stop)
    has = ep.link_of >= 0
    link_key = pad_index(ep.link_of, ep.n_links)
    link_pop = sum_by(link_key.ravel(), np.broadcast_to(m.pop, has.shape).ravel(), ep.n_links)
    idx = m.sched.budget_index[steps][:, PARTNER_COLUMNS]
    staff = (m.fte_per_100k * ep.staff_share)[ep.agency_ptype]  # a split-off type's share
    cap = staff * ep.agency_pop / PER_100K * idx[:, ep.agency_ptype]
    pressure = np.clip(1.0 - idx, 0.0, 1.0)
    return EpochTables(
        link_key=link_key,
        link_pop_safe=safe_denominator(link_pop),
        link_buffer=np.zeros(ep.n_links + 1),
        cap=cap,
        cap_gbp=cap.sum(axis=1) * m.sched.cost_per_fte_gbp[steps] / QUARTERS_PER_YEAR,
        will=willingness(pressure, P.pressure_sensitivity)[:, ep.link_ptype],
        hub_factor=1 + ep.hubs_served / np.maximum(ep.n_served, 1),
    )


@dataclass(frozen=True)
class SegmentTables:
    """Each link's expected work while a segment lasts.

    Attributes:
        link_need: Expected share summed over each link (fte), (n_links,).
        link_need_safe: ``link_need`` with zeros replaced by 1.
        link_bound: Bound share of ``link_need``, (n_links,).
        link_floor: The statutory floor on engagement of each link: ``statutory_floor`` times
            ``link_bound``, (n_links,).
    """

    link_need: np.ndarray
    link_need_safe: np.ndarray
    link_bound: np.ndarray
    link_floor: np.ndarray


def build_segment_tables(
    ep: Epoch, tab: EpochTables, work: Workload, statutory_floor: float
) -> SegmentTables:
    """The links' expected and statutorily bound work under workload ``work``."""
    L, key = ep.n_links, tab.link_key.ravel()
    link_need = sum_by(key, work.need.ravel(), L)
    link_bound = sum_by(key, work.bound_need.ravel(), L)
    link_bound = np.where(link_need > 0, link_bound / np.where(link_need > 0, link_need, 1), 0)
    return SegmentTables(
        link_need=link_need,
        link_need_safe=safe_denominator(link_need),
        link_bound=link_bound,
        link_floor=statutory_floor * link_bound,
    )


def step_arrays(m: CSPModel, t: int, seg: Segment) -> tuple[np.ndarray, float]:
    """The commitment phase of quarter ``t`` for every link at once.

    Returns:
        (commitment ratio per (partner type, area), total fte committed including attendance).
    """
    P, ep, k = m.P, seg.tables.epoch, t - seg.start_of_epoch
    tab, st = seg.tables.commitments, seg.commitments
    # desired_commitment, ration and take_padded in the same arithmetic, in place.
    weighted = m.state.engagement * m.pop
    link_e = sum_by(tab.link_key.ravel(), weighted.ravel(), ep.n_links)
    link_e /= tab.link_pop_safe
    desired = np.maximum(link_e, st.link_floor)
    np.multiply(st.link_need, desired, out=desired)
    desired *= tab.will[k]
    cap = tab.cap[k]
    overhead = np.bincount(ep.link_agency, weights=link_e, minlength=len(cap))
    overhead *= P.attendance_fte_per_csp
    overhead *= tab.hub_factor
    np.minimum(overhead, cap, out=overhead)
    available = cap - overhead
    commit = ration(desired, ep.link_agency, np.maximum(available, 0.0, out=available), desired)
    # Commitment is 0 wherever the need is, so dividing by the safe need is exact.
    buffer = tab.link_buffer  # its last entry stays 0: cells without a link read it
    np.divide(commit, st.link_need_safe, out=buffer[:-1])
    return buffer.take(tab.link_key), commit.sum() + overhead.sum()
