"""ODD 7.4 Delivery: the council team fills the gaps partners leave; capacity becomes
delivery with the CSP's coordination efficiency, in delivery units (CSP, merged CSP or
sub-regional hub) where high-volume duties lose locality and low-volume ones share a fixed
cost.

* The rules (pure functions): :func:`partnership_fte`, :func:`efficiency`,
  :func:`locality_factor`, :func:`deliver`, :func:`allocate_flexible`, with the fused forms
  the array step runs (:func:`council_fill`, :func:`delivered_share`), each equal to a
  composition of the rules.
* :class:`RunTables`, :class:`EpochTables`, :class:`SegmentTables`: what the step reads,
  worked out before the run.
* :func:`step_arrays`: the phase on arrays (the fast engine).
* The agent engine's matching decisions: :meth:`cspsim.model.agents.Council.available_fte`,
  :meth:`cspsim.model.agents.Partnership.plan_delivery` (with the reference rules) and
  :meth:`cspsim.model.agents.DeliveryFootprint.deliver`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np

from cspsim.model.linkops import is_identity, safe_denominator
from cspsim.model.types import FloatArray
from cspsim.vocab import CHAIRS

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel
    from cspsim.model.segments import Segment
    from cspsim.model.submodels.budgets import StepInputs
    from cspsim.model.submodels.demand import Workload
    from cspsim.model.world import Epoch


@overload
def partnership_fte(team_fte: float, elasticity: float, ref_fte: float) -> float: ...
@overload
def partnership_fte(team_fte: np.ndarray, elasticity: float, ref_fte: float) -> np.ndarray: ...
def partnership_fte(team_fte: FloatArray, elasticity: float, ref_fte: float) -> FloatArray:
    """Team capacity that goes to partnership work.

    ``ref_fte * (team_fte / ref_fte) ** elasticity``: proportional to the team at elasticity 1;
    below 1, a team larger than ``ref_fte`` gives less than proportionally (its extra staff
    run the council's own services: wardens, CCTV, enforcement), a smaller one a little more.
    Why: in 2009 "staff numbers did not correlate with reported capacity" (survey T4 with T6).
    """
    if elasticity == 1.0:  # the proportional case exactly (no rounding from the power)
        return team_fte
    return ref_fte * (team_fte / ref_fte) ** elasticity


@overload
def efficiency(
    base: float,
    coordinator: float,
    analyst: float,
    member_chair: float,
    turnover_loss: float,
    gains: tuple[float, float, float],
) -> float: ...
@overload
def efficiency(
    base: float,
    coordinator: np.ndarray,
    analyst: np.ndarray,
    member_chair: np.ndarray,
    turnover_loss: FloatArray,
    gains: tuple[float, float, float],
) -> np.ndarray: ...
def efficiency(
    base: float,
    coordinator: FloatArray,
    analyst: FloatArray,
    member_chair: FloatArray,
    turnover_loss: FloatArray,
    gains: tuple[float, float, float],
) -> FloatArray:
    """Share of committed capacity that becomes delivery in each CSP (or in one: the agent
    engine passes one CSP's floats and bools).

    efficiency = base * (1 + g_c * coordinator) * (1 + g_a * analyst)
                 * (1 - p_m * member_chair) * (1 - turnover_loss)
    """
    g_c, g_a, p_m = gains
    eff: FloatArray = (
        base
        * (1 + g_c * coordinator)
        * (1 + g_a * analyst)
        * (1 - p_m * member_chair)
        * (1 - turnover_loss)
    )
    return eff


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
    delivered: np.ndarray = np.minimum(demand, net)
    return delivered


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


def council_fill(
    avail: np.ndarray,
    gap: np.ndarray,
    eff: np.ndarray,
    csp: np.ndarray | None = None,
    n_csp: int = 0,
    *,
    ones: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Capacity the council teams add to their CSP's gaps.

    With one area per CSP (``csp`` None) this equals
    ``np.minimum(allocate_flexible(avail, gap) * eff_ad, gap)`` with ``eff_ad`` =
    ``eff[:, None]`` (``eff`` of shape (n,)) or ``eff`` (shape (n, d)): the team's capacity is
    shared over duties in proportion to the gaps, and delivers at most the gap. With ``csp``
    (the CSP of each area, ``n_csp`` CSPs) the teams of a CSP pool their capacity over all its
    areas' gaps: the CSP's capacity is shared in proportion to the gaps, so each area and duty
    gets the CSP's capacity per unit of its total gap (the same as allocating to the CSP's
    duties with :func:`allocate_flexible` and sharing each duty's allocation over its areas in
    proportion to their gaps).

    Args:
        avail: Team capacity available per area (fte), shape (n,), non-negative.
        gap: Unmet demand per area and duty, shape (n, d), non-negative.
        eff: Efficiency per area (n,) or per area and duty (n, d), non-negative.
            Exact where each area's total gap is 0 or above about 1e-300 fte (smaller totals
            overflow the capacity per unit of gap); model gaps never come near that.
        csp: CSP index of each area, (n,); None when every area is its own CSP.
        n_csp: Number of CSPs (with ``csp``).
        ones: ``np.ones(d)``, to reuse (the step passes its own).
        out: Array of ``gap``'s shape to write the result into (may be ``gap`` itself).
    """
    total = gap @ (np.ones(gap.shape[1]) if ones is None else ones)
    if csp is None:
        per_gap = avail / np.where(total > 0, total, 1.0)  # capacity per unit of gap
    else:  # pooled over the CSP: the CSP's capacity per unit of the CSP's gap
        total_c = np.bincount(csp, weights=total, minlength=n_csp)
        avail_c = np.bincount(csp, weights=avail, minlength=n_csp)
        per_gap = (avail_c / np.where(total_c > 0, total_c, 1.0)).take(csp)
    fill: np.ndarray
    if eff.ndim == 1:
        # min(gap * f, gap) = gap * min(f, 1) because gap >= 0.
        per_gap *= eff
        fill = np.multiply(gap, np.minimum(per_gap, 1.0, out=per_gap)[:, None], out=out)
    else:
        fill = np.multiply(gap, np.minimum(per_gap[:, None] * eff, 1.0), out=out)
    return fill


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
    share: np.ndarray = unit_cap - fixed_fte  # net capacity, then the share, in one array
    np.maximum(share, 0.0, out=share)
    np.minimum(unit_dem, share, out=share)
    np.divide(share, dem_safe, out=share)
    return share


@dataclass(frozen=True)
class RunTables:
    """Delivery's tables fixed for the whole run.

    Attributes:
        eff_by_posts: Efficiency of each area's CSP with no post, an analyst, a coordinator
            or both (rows), (4, n_areas); the chair, which also matters, is fixed for the run.
        ones_d: Ones, (n_duties,): sums over duties as a matrix product.
        gap: Work array for the gaps, (n_areas, n_duties) (this model's own).
    """

    eff_by_posts: np.ndarray
    ones_d: np.ndarray
    gap: np.ndarray


def build_run_tables(m: CSPModel) -> RunTables:
    """The run's tables for model ``m`` (after its initial state is drawn)."""
    P = m.P
    coordinator, analyst = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=bool)[:, :, None]
    return RunTables(
        eff_by_posts=efficiency(
            P.efficiency_base,
            coordinator,
            analyst,
            (m.state.chair == CHAIRS.index("elected_member"))[None, :],
            0.0,
            (P.gain_coordinator, P.gain_analyst, P.chair_member_penalty),
        ),
        ones_d=np.ones(m.duties.n),
        gap=np.zeros((m.geo.n, m.duties.n)),
    )


@dataclass(frozen=True)
class EpochTables:
    """An epoch's structure as delivery reads it.

    Attributes:
        reporting_fte: Two-tier reporting cost of each area's team, (n_areas,).
        mgmt_fte: Extra management tiers' cost, (n_areas,); None when there are none.
        csp_identity: Every area is its own CSP (group sums over CSPs are the identity).
        unit_identity: Every (area, duty) is its own delivery unit.
        unit_loc: Locality factor of each delivery unit; None when all are 1.
        unit_fixed_fte: Fixed cost of each delivery unit, (n_units,).
        backbone: Efficiency multiplier per duty from backbone funding; None when none.
    """

    reporting_fte: np.ndarray
    mgmt_fte: np.ndarray | None
    csp_identity: bool
    unit_identity: bool
    unit_loc: np.ndarray | None
    unit_fixed_fte: np.ndarray
    backbone: np.ndarray | None


def backbone_gain(m: CSPModel, n_csps: int) -> np.ndarray | None:
    """Efficiency multiplier per duty from the backbone lever, None when it is not used.

    The lever is a national fund: the scenario's areas get their population share of it,
    shared equally over their CSPs (seed 002).
    """
    P, levers, duties = m.P, m.config.levers, m.duties
    if levers.backbone_gbp_per_year <= 0:
        return None
    backbone = np.ones(duties.n)
    per_csp = levers.backbone_gbp_per_year * m.pop.sum() / m.england_pop / n_csps
    gain = P.backbone_efficiency_gain * per_csp / (per_csp + P.backbone_half_effect_gbp)
    backbone[[duties.ids.index(d) for d in levers.backbone_duties]] += gain
    return backbone


def build_epoch_tables(m: CSPModel, ep: Epoch) -> EpochTables:
    """Tables of epoch ``ep``."""
    P, duties = m.P, m.duties
    loc = locality_factor(
        ep.unit_n_areas, duties.low_volume[ep.unit_duty], P.locality_penalty_high_volume
    )
    mgmt = P.management_tier_fte_per_area * ep.mgmt_share
    return EpochTables(
        reporting_fte=P.two_tier_reporting_fte * ep.two_tier,
        mgmt_fte=mgmt if mgmt.any() else None,
        csp_identity=is_identity(ep.csp_of_area),
        unit_identity=is_identity(ep.unit_of),
        unit_loc=None if np.all(loc == 1.0) else loc,
        unit_fixed_fte=duties.fixed_cost_fte[ep.unit_duty],
        backbone=backbone_gain(m, len(ep.csp_names)),
    )


@dataclass(frozen=True)
class SegmentTables:
    """Delivery's tables while a segment lasts.

    Attributes:
        nb_fte: New-burdens money as capacity (fte), (n_areas, n_duties); None when none.
        nb_spend_gbp: New-burdens money per area (GBP per year), (n_areas,).
        unit_dem: Workload of each delivery unit (fte), (n_units,).
        unit_dem_safe: ``unit_dem`` with zeros replaced by 1.
        unit_fixed_fte: Fixed cost of each delivery unit with demand, else 0, (n_units,).
        demand_and_fixed: Workload plus each area's share of its units' fixed costs: what
            the council team fills towards before partners' capacity, (n_areas, n_duties).
        central_per_fte: Capacity the PCC commissions centrally per fte of its force area's
            workload, by step of the segment and council area, (S, n_areas).
    """

    nb_fte: np.ndarray | None
    nb_spend_gbp: np.ndarray
    unit_dem: np.ndarray
    unit_dem_safe: np.ndarray
    unit_fixed_fte: np.ndarray
    demand_and_fixed: np.ndarray
    central_per_fte: np.ndarray


def build_segment_tables(
    m: CSPModel, ep: Epoch, tab: EpochTables, work: Workload, start: int, stop: int
) -> SegmentTables:
    """Tables of a segment of steps ``start`` to ``stop - 1`` with workload ``work``."""
    demand, force = work.demand, m.geo.footprint["police"]
    cost = m.sched.cost_per_fte_gbp[start]  # segments break where the cost changes
    nb_fte = m.sched.new_burdens_gbp[start][None, :] * m.pop_share[:, None] / cost
    U = ep.unit_of
    unit_dem = np.bincount(U.ravel(), weights=demand.ravel(), minlength=len(ep.unit_duty))
    unit_dem_safe = safe_denominator(unit_dem)
    unit_fixed = np.where(unit_dem > 0, tab.unit_fixed_fte, 0.0)
    force_dem = np.bincount(force, weights=demand.sum(axis=1), minlength=force.max() + 1)
    force_dem_safe = safe_denominator(force_dem)
    central_fte = m.budget_tables.inputs.central_fte[start:stop]
    return SegmentTables(
        nb_fte=nb_fte if nb_fte.any() else None,
        nb_spend_gbp=nb_fte.sum(axis=1) * cost,
        unit_dem=unit_dem,
        unit_dem_safe=unit_dem_safe,
        unit_fixed_fte=unit_fixed,
        demand_and_fixed=demand + demand * (unit_fixed / unit_dem_safe)[U],
        central_per_fte=(central_fte / force_dem_safe).take(force, axis=1),
    )


def step_arrays(
    m: CSPModel,
    run: RunTables,
    money: StepInputs,
    t: int,
    seg: Segment,
    R: np.ndarray,
    lost: np.ndarray | None,
) -> np.ndarray:
    """The delivery phase of quarter ``t`` for every area and duty at once.

    Args:
        m: The model.
        run: The run's tables.
        money: Money by step (bids, the PCCs' central commissioning).
        t: Step.
        seg: The segment in force.
        R: Partners' commitment ratio per (partner type, area).
        lost: Share of team capacity lost to turnover, or None.

    Returns:
        Delivery by area and duty (fte), written into the record.
    """
    P, s = m.P, m.state
    tab, st, ep, demand = seg.tables.delivery, seg.delivery, seg.tables.epoch, seg.work.demand
    team = partnership_fte(s.team_fte, P.team_size_elasticity, P.council_fte_mean_district_borough)
    # The reference arithmetic in the same order, in place from here (fewer arrays).
    avail = team * s.ownership if lost is None else team * (1 - lost) * s.ownership
    avail -= tab.reporting_fte
    if money.bidding[t]:  # the areas whose PCC invites bids
        avail -= P.bid_cost_fte * money.bids[t]
    if tab.mgmt_fte is not None:
        avail -= tab.mgmt_fte
    council_avail = np.maximum(avail, 0.0, out=avail)
    csp, n_csp = (None, 0) if tab.csp_identity else (ep.csp_of_area, len(ep.csp_names))
    if csp is None:
        coord, analyst = s.coordinator, s.analyst
    else:  # a CSP has the posts any of its teams has
        coord = np.bincount(csp, weights=s.coordinator, minlength=n_csp).take(csp) > 0
        analyst = np.bincount(csp, weights=s.analyst, minlength=n_csp).take(csp) > 0
    e = run.eff_by_posts
    eff = np.where(coord, np.where(analyst, e[3], e[2]), np.where(analyst, e[1], e[0]))
    # Efficiency by area and duty: (n,) when no duty has backbone support, else (n, d).
    eff_ad = eff if tab.backbone is None else eff[:, None] * tab.backbone[None, :]
    eff_cap = seg.tables.W_partners.by_duty(R)  # partners' committed capacity
    eff_cap *= demand
    if st.nb_fte is not None:
        eff_cap += st.nb_fte
    eff_cap *= eff_ad[:, None] if eff_ad.ndim == 1 else eff_ad
    # The council team fills what partners leave, including each delivery unit's fixed
    # cost (shared among the unit's areas in proportion to their demand).
    gap = np.subtract(st.demand_and_fixed, eff_cap, out=run.gap)
    np.maximum(gap, 0.0, out=gap)
    # Each team fills its own gaps, or a CSP's teams pool their capacity over its gaps.
    council_cap = council_fill(council_avail, gap, eff_ad, csp, n_csp, ones=run.ones_d, out=gap)
    capacity = np.add(eff_cap, council_cap, out=eff_cap)
    if money.has_central[t]:  # what the PCCs commission, by each area's workload
        capacity += np.multiply(demand, st.central_per_fte[t - seg.start, :, None], out=council_cap)
    U = ep.unit_of
    if tab.unit_identity:
        unit_cap = capacity.ravel()
    else:
        unit_cap = np.bincount(U.ravel(), weights=capacity.ravel(), minlength=len(st.unit_dem))
    if tab.unit_loc is not None:
        unit_cap = unit_cap * tab.unit_loc
    unit_share = delivered_share(st.unit_dem, unit_cap, st.unit_fixed_fte, st.unit_dem_safe)
    unit_share = unit_share.reshape(demand.shape) if tab.unit_identity else unit_share.take(U)
    delivered: np.ndarray = np.multiply(unit_share, demand, out=m.rec.delivered[t])
    return delivered
