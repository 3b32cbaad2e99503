"""ODD 7.5 Adaptation: engagement moves towards a target set by reciprocity, budget
pressure, statutory obligation and dilution, plus noise; council ownership fades in merged
CSPs.

* The rules (pure functions): :func:`engagement_target`, :func:`adapt` (and :func:`logit`,
  :func:`sigmoid`), with the fused forms the array step runs (:func:`target_logit_offset`,
  :func:`adapt_engagement`), each equal to a composition of the rules.
* :class:`EpochTables`, :class:`SegmentTables`, :class:`RunTables`: the fixed parts of the
  target, worked out before the run.
* :func:`step_arrays`: the phase on arrays (the fast engine).
* The agent engine's matching decisions:
  :meth:`cspsim.model.agents.PartnerAgency.adapt_engagement` (with the reference rules) and
  :meth:`cspsim.model.agents.Council.adapt_ownership`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np

from cspsim.model.linkops import safe_denominator
from cspsim.model.types import FloatArray
from cspsim.vocab import CHAIRS, PARTNER_TYPES

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel
    from cspsim.model.segments import Segment
    from cspsim.model.submodels.demand import Workload
    from cspsim.model.world import Epoch


@overload
def logit(p: float) -> float: ...
@overload
def logit(p: np.ndarray) -> np.ndarray: ...
def logit(p: FloatArray) -> FloatArray:
    """Log-odds, with ``p`` clipped away from 0 and 1."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    log_odds: FloatArray = np.log(p / (1 - p))
    return log_odds


@overload
def sigmoid(x: float) -> float: ...
@overload
def sigmoid(x: np.ndarray) -> np.ndarray: ...
def sigmoid(x: FloatArray) -> FloatArray:
    """Inverse of :func:`logit`."""
    y: FloatArray = 1.0 / (1.0 + np.exp(-x))
    return y


@overload
def engagement_target(
    base_logit: float,
    reciprocity: float,
    pressure: float,
    bound_share: float,
    dilution: float,
    weights: tuple[float, float, float, float],
) -> float: ...
@overload
def engagement_target(
    base_logit: np.ndarray,
    reciprocity: FloatArray,
    pressure: FloatArray,
    bound_share: FloatArray,
    dilution: FloatArray,
    weights: tuple[float, float, float, float],
) -> np.ndarray: ...
def engagement_target(
    base_logit: FloatArray,
    reciprocity: FloatArray,
    pressure: FloatArray,
    bound_share: FloatArray,
    dilution: FloatArray,
    weights: tuple[float, float, float, float],
) -> FloatArray:
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


@overload
def adapt(engagement: float, target: float, rate: float, noise: float) -> float: ...
@overload
def adapt(
    engagement: np.ndarray, target: np.ndarray, rate: float, noise: FloatArray
) -> np.ndarray: ...
def adapt(engagement: FloatArray, target: FloatArray, rate: float, noise: FloatArray) -> FloatArray:
    """Engagement after one quarter: inertia towards ``target`` plus noise, kept in [0, 1]."""
    moved: FloatArray = np.clip(engagement + rate * (target - engagement) + noise, 0.0, 1.0)
    return moved


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
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Engagement after one quarter, 0 where there is no partner.

    Equals ``np.where(upper > 0, adapt(engagement, sigmoid(logit), rate, noise), 0.0)`` for
    ``upper`` = 1 where the area has a partner of that type and 0 elsewhere, with the same
    arithmetic in the same order, in one array: ``out`` (new if None; may be ``logit``).
    """
    moved = np.negative(logit, out=out)  # sigmoid(logit) = 1 / (1 + exp(-logit))
    np.exp(moved, out=moved)
    moved += 1.0
    np.divide(1.0, moved, out=moved)
    moved -= engagement  # engagement + rate * (target - engagement) + noise
    moved *= rate
    np.add(engagement, moved, out=moved)
    moved += noise
    np.maximum(moved, 0.0, out=moved)
    np.minimum(moved, upper, out=moved)
    return moved


@dataclass(frozen=True)
class RunTables:
    """Parts of the engagement target fixed for the whole run.

    Attributes:
        base_logit_area: Base engagement (logit) of each partner type with each area's CSP,
            raised for police where police chair (the chair is fixed for the run), (7, n).
        pressure_logit: Budget pressure's pull on the target by step, (T, 6, 1).
    """

    base_logit_area: np.ndarray
    pressure_logit: np.ndarray


def build_run_tables(m: CSPModel, pressure: np.ndarray) -> RunTables:
    """The run's tables, from each partner type's budget pressure by step, (T, 6)."""
    P = m.P
    base = m.base_logit[:, None] + np.zeros((len(PARTNER_TYPES), m.geo.n))
    base[PARTNER_TYPES.index("police")] += P.chair_police_engagement_bonus * (
        m.state.chair == CHAIRS.index("police")
    )
    return RunTables(base_logit_area=base, pressure_logit=P.w_pressure * pressure[:, :, None])


@dataclass(frozen=True)
class EpochTables:
    """An epoch's structure as adaptation reads it.

    Attributes:
        has_float: 1.0 where the area has a partner of that type, else 0.0, (7, n_areas).
        dilution: Dilution, centred on the 2009 separate structure, (7, n_areas).
        own_target: Council ownership each area tends to, (n_areas,).
    """

    has_float: np.ndarray
    dilution: np.ndarray
    own_target: np.ndarray


def build_epoch_tables(m: CSPModel, ep: Epoch, dilution: np.ndarray) -> EpochTables:
    """Tables of epoch ``ep``; ``dilution`` already centred."""
    return EpochTables(
        has_float=(ep.link_of >= 0).astype(float),
        dilution=dilution,
        own_target=1 - m.P.merged_ownership_loss * (1 - 1 / ep.n_councils_of_area),
    )


@dataclass(frozen=True)
class SegmentTables:
    """The target's parts fixed while a segment lasts.

    Attributes:
        need_safe: Partners' expected work with zeros replaced by 1, (7, n_areas).
        reciprocity_ref: The reference reciprocity where that work is > 0, else 0.
        target_offset: Logit of the target without reciprocity and pressure
            (see :func:`target_logit_offset`), (7, n_areas).
    """

    need_safe: np.ndarray
    reciprocity_ref: np.ndarray
    target_offset: np.ndarray


def build_segment_tables(
    m: CSPModel, run: RunTables, tab: EpochTables, work: Workload, bound_share0: np.ndarray
) -> SegmentTables:
    """Tables of a segment with workload ``work``.

    Statutory pressure enters the target as the change in the partner's bound share since
    the first step, so the 2009 state starts near its equilibrium and a newly binding duty
    pulls engagement up.
    """
    P = m.P
    return SegmentTables(
        need_safe=safe_denominator(work.need),
        reciprocity_ref=np.where(work.need > 0, P.reciprocity_ref, 0.0),
        target_offset=target_logit_offset(
            run.base_logit_area,
            work.bound_share - bound_share0,
            tab.dilution,
            P.w_statutory,
            P.w_dilution,
        ),
    )


def step_arrays(
    m: CSPModel, run: RunTables, t: int, seg: Segment, delivered: np.ndarray, noise: np.ndarray
) -> None:
    """The adaptation phase of quarter ``t`` for every (partner type, area) at once.

    Args:
        m: The model (its engagement and ownership are updated).
        run: The run's tables.
        t: Step.
        seg: The segment in force.
        delivered: Delivery by area and duty this quarter (fte).
        noise: This quarter's noise, (7, n_areas), already scaled.
    """
    P, s = m.P, m.state
    tab, st = seg.tables.adaptation, seg.adaptation
    # The arithmetic of the rules in the same order, in one array (``got`` is new each step).
    got = seg.tables.W_partners.by_partner(delivered)
    # Reciprocity relative to its reference; 0 where a partner is expected to give nothing.
    reciprocity = np.divide(got, st.need_safe, out=got)
    reciprocity -= st.reciprocity_ref
    # Logit of the target (engagement_target), its fixed part precomputed.
    logit_t = np.multiply(P.w_reciprocity, reciprocity, out=reciprocity)
    np.add(st.target_offset, logit_t, out=logit_t)
    logit_t -= run.pressure_logit[t]
    s.engagement = adapt_engagement(
        s.engagement, logit_t, P.engagement_adjust_rate, noise, tab.has_float, out=logit_t
    )
    moved = tab.own_target - s.ownership
    moved *= P.ownership_adjust_rate
    s.ownership = np.add(s.ownership, moved, out=moved)
