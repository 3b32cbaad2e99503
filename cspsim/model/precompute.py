"""What a run can work out before its first step (numpy only, no Mesa).

Everything here depends on the scenario, the geography, the duties and the parameters, never
on the evolving state, so :class:`cspsim.model.model.CSPModel` builds it once and each step only
reads it:

* :class:`StepInputs`: money and budget pressure by step (grant paths, diversion, late
  allocations, the PCCs' central commissioning, ledger entries known in advance);
* :class:`EpochTables`: an epoch's structure in the forms the step uses (padded link
  indices, link populations, agency capacity and willingness by step, dilution, ...);
* :class:`Segment`: demand and the partners' expected shares of it while one epoch and one
  set of duties in force (and of statutory bindings) last.

Arrays are computed with the same floating-point operations as the step would use, so
precomputing changes results by rounding at most (sums may add in a different order).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from cspsim.inputs.duties import DutyTable
from cspsim.inputs.geography import Geography, england_population
from cspsim.inputs.scenario import Scenario
from cspsim.model.rules import budget, delivery, engagement
from cspsim.model.rules.kernels import target_logit_offset
from cspsim.model.rules.linkops import is_identity, pad_index, safe_denominator, sum_by
from cspsim.model.schedule import PARTNER_COLUMNS, Schedule
from cspsim.model.world import Epoch


@dataclass(frozen=True)
class StepInputs:
    """Money and budget pressure by step (first axis = step, T steps).

    Attributes:
        pressure: Budget pressure of each partner type, shape (T, 6).
        council_pressure: Councils' budget pressure, shape (T,).
        kept_direct: Direct grant kept for community safety after diversion, (T, n_areas).
        diverted_direct_gbp: Direct grant diverted, summed over areas (GBP per year), (T,).
        fund_force: PCC fund per force area, (T, n_forces).
        central_fte: Capacity the PCC commissions centrally per force area, (T, n_forces).
        has_central: Some PCC commissions centrally, (T,).
        central_spend_gbp: Centrally commissioned money by area (population share), (T, n).
        lever_gbp: Money per area from the coordinator / analyst levers, (T,).
        bids: Teams spend time bidding to the PCC, (T,).
        grant: Grant reaching teams after diversion and late allocation, (T, n_areas); None
            under the ``bids`` funding model, where it depends on the teams' posts.
        late: Grant lost to late allocation, (T, n_areas); None under ``bids``.
        ledger: Ledger entries known in advance (GBP per quarter), by name, each (T,).
    """

    pressure: np.ndarray
    council_pressure: np.ndarray
    kept_direct: np.ndarray
    diverted_direct_gbp: np.ndarray
    fund_force: np.ndarray
    central_fte: np.ndarray
    has_central: np.ndarray
    central_spend_gbp: np.ndarray
    lever_gbp: np.ndarray
    bids: np.ndarray
    grant: np.ndarray | None
    late: np.ndarray | None
    ledger: dict[str, np.ndarray]


def build_step_inputs(
    scenario: Scenario, P: SimpleNamespace, sched: Schedule, geo: Geography, pop_share
) -> StepInputs:
    """Money by step: every budget-phase quantity that does not depend on the state."""
    cost = P.cost_per_fte_gbp
    idx = sched.budget_index
    council_pressure = np.clip(1.0 - idx[:, 0], 0.0, 1.0)
    cp = council_pressure[:, None]
    g = sched.grant_direct_gbp
    direct = g[:, None] * pop_share
    rf = np.where(g != 0, sched.grant_direct_ring_fenced / np.where(g != 0, g, 1.0), 0.0)
    kept, diverted = budget.divert(direct * (1 - rf[:, None]), cp, P.grant_diversion, False)
    kept = kept + direct * rf[:, None]
    force = geo.footprint["police"]
    fund_force = sched.grant_pcc_gbp[:, None] * np.bincount(force, weights=pop_share)
    # The PCC's split depends on the step only through the fund, which changes yearly.
    model = scenario.pcc.funding_model
    to_area = np.zeros_like(direct)
    central = np.zeros_like(fund_force)
    for value in np.unique(sched.grant_pcc_gbp):
        rows = sched.grant_pcc_gbp == value
        to_area[rows], central[rows] = budget.pcc_pass_on(
            fund_force[np.argmax(rows)],
            force,
            geo.population,
            model,
            P.pcc_retained_share,
            np.ones(geo.n),  # bid strength: only used under "bids", where grant is per step
        )
    ledger = {
        "grants_in_gbp": (direct.sum(axis=1) + fund_force.sum(axis=1)) / 4,
        "pcc_central_gbp": central.sum(axis=1) / 4,
    }
    grant = late = None
    gp = sched.grant_pcc_gbp
    rf_pcc = np.where(gp != 0, sched.grant_pcc_ring_fenced / np.where(gp != 0, gp, 1.0), 0.0)
    if model != "bids":
        to_area_kept, to_area_div = budget.divert(
            to_area * (1 - rf_pcc[:, None]), cp, P.grant_diversion, False
        )
        to_area_kept = to_area_kept + to_area * rf_pcc[:, None]
        grant = kept + to_area_kept
        late = np.zeros_like(grant)
        if scenario.funding.allocation == "annual":
            late[sched.year_start] = grant[sched.year_start] * P.late_allocation_loss
            grant = grant - late
        ledger["grants_to_teams_gbp"] = grant.sum(axis=1) / 4
        ledger["grants_diverted_gbp"] = (diverted.sum(axis=1) + to_area_div.sum(axis=1)) / 4
        ledger["grants_late_lost_gbp"] = late.sum(axis=1) / 4
    levers = scenario.levers
    pop_force = np.bincount(force, weights=geo.population)[force]
    central_fte = central / cost * P.central_commissioning_efficiency
    return StepInputs(
        pressure=np.clip(1.0 - idx[:, PARTNER_COLUMNS], 0.0, 1.0),
        council_pressure=council_pressure,
        kept_direct=kept,
        diverted_direct_gbp=diverted.sum(axis=1),
        fund_force=fund_force,
        central_fte=central_fte,
        has_central=(central_fte != 0).any(axis=1),
        central_spend_gbp=central[:, force] * geo.population / pop_force,
        lever_gbp=cost * (levers.fund_coordinator + levers.fund_analyst) * sched.levers_active,
        bids=(model == "bids") & sched.pcc_active,
        grant=grant,
        late=late,
        ledger=ledger,
    )


@dataclass(frozen=True)
class EpochTables:
    """An epoch's structure in the forms the step reads (see :mod:`cspsim.model.rules.linkops`).

    Attributes:
        epoch: The epoch.
        start, stop: Its steps, ``range(start, stop)``.
        has: The area has a partner of that type, shape (6, n_areas).
        has_float: ``has`` as 1.0 / 0.0.
        nan_where_none: 0 where ``has``, NaN elsewhere (for the record), (6, n_areas).
        link_key: Link of each (partner type, area), ``n_links`` where none, (6, n_areas).
        link_pop_safe: Residents of each link's areas (1 where none), (n_links,).
        link_buffer: Work array for :func:`cspsim.model.rules.linkops.take_padded`, (n_links + 1,).
        cap: Capacity of each agency for partnership work, by step of the epoch, (S, n_agency).
        cap_gbp: Ledger value of ``cap`` (GBP per quarter) by step of the epoch, (S,).
        will: Willingness of each link's agency under its budget pressure, (S, n_links).
        hub_factor: Meetings per CSP served: 1 + hubs / CSPs, (n_agency,).
        dilution: Dilution, centred on the 2009 separate structure, (6, n_areas).
        reporting_fte: Two-tier reporting cost of each area's team, (n_areas,).
        mgmt_fte: Extra management tiers' cost, (n_areas,); None when there are none.
        csp_identity: Every area is its own CSP (group sums over CSPs are the identity).
        csp_duty_key: Flat (CSP, duty) index of each (area, duty), (n_areas * n_duties,).
        unit_identity: Every (area, duty) is its own delivery unit.
        unit_loc: Locality factor of each delivery unit; None when all are 1.
        unit_fixed_fte: Fixed cost of each delivery unit, (n_units,).
        backbone: Efficiency multiplier per duty from backbone funding; None when none.
        own_target: Council ownership each area tends to, (n_areas,).
    """

    epoch: Epoch
    start: int
    stop: int
    has: np.ndarray
    has_float: np.ndarray
    nan_where_none: np.ndarray
    link_key: np.ndarray
    link_pop_safe: np.ndarray
    link_buffer: np.ndarray
    cap: np.ndarray
    cap_gbp: np.ndarray
    will: np.ndarray
    hub_factor: np.ndarray
    dilution: np.ndarray
    reporting_fte: np.ndarray
    mgmt_fte: np.ndarray | None
    csp_identity: bool
    csp_duty_key: np.ndarray
    unit_identity: bool
    unit_loc: np.ndarray | None
    unit_fixed_fte: np.ndarray
    backbone: np.ndarray | None
    own_target: np.ndarray


def build_epoch_tables(
    ep: Epoch,
    stop: int,
    scenario: Scenario,
    P: SimpleNamespace,
    sched: Schedule,
    duties: DutyTable,
    pop: np.ndarray,
    district: np.ndarray,
    fte_per_100k: np.ndarray,
    dilution: np.ndarray,
) -> EpochTables:
    """Tables of epoch ``ep``, in force for steps ``ep.start_step`` to ``stop - 1``."""
    steps = slice(ep.start_step, stop)
    has = ep.link_of >= 0
    link_key = pad_index(ep.link_of, ep.n_links)
    link_pop = sum_by(link_key.ravel(), np.broadcast_to(pop, has.shape).ravel(), ep.n_links)
    idx = sched.budget_index[steps][:, PARTNER_COLUMNS]
    cap = fte_per_100k[ep.agency_ptype] * ep.agency_pop / 1e5 * idx[:, ep.agency_ptype]
    pressure = np.clip(1.0 - idx, 0.0, 1.0)
    will = engagement.willingness(pressure, P.pressure_sensitivity)[:, ep.link_ptype]
    n_csp = len(ep.csp_names)
    backbone = None
    levers = scenario.levers
    if levers.backbone_gbp_per_year > 0:
        backbone = np.ones(duties.n)
        # National money: the scenario's areas get their population share of it.
        per_csp = levers.backbone_gbp_per_year * pop.sum() / england_population() / n_csp
        gain = P.backbone_efficiency_gain * per_csp / (per_csp + P.backbone_half_effect_gbp)
        backbone[[duties.ids.index(d) for d in levers.backbone_duties]] += gain
    loc = delivery.locality_factor(
        ep.unit_n_areas, duties.low_volume[ep.unit_duty], P.locality_penalty_high_volume
    )
    mgmt = P.management_tier_fte_per_area * ep.mgmt_share
    return EpochTables(
        epoch=ep,
        start=ep.start_step,
        stop=stop,
        has=has,
        has_float=has.astype(float),
        nan_where_none=np.where(has, 0.0, np.nan),
        link_key=link_key,
        link_pop_safe=safe_denominator(link_pop),
        link_buffer=np.zeros(ep.n_links + 1),
        cap=cap,
        cap_gbp=cap.sum(axis=1) * P.cost_per_fte_gbp / 4,
        will=will,
        hub_factor=1 + ep.hubs_served / np.maximum(ep.n_served, 1),
        dilution=dilution,
        reporting_fte=P.two_tier_reporting_fte * district,
        mgmt_fte=mgmt if mgmt.any() else None,
        csp_identity=is_identity(ep.csp_of_area),
        csp_duty_key=(ep.csp_of_area[:, None] * duties.n + np.arange(duties.n)).ravel(),
        unit_identity=is_identity(ep.unit_of),
        unit_loc=None if np.all(loc == 1.0) else loc,
        unit_fixed_fte=duties.fixed_cost_fte[ep.unit_duty],
        backbone=backbone,
        own_target=1 - P.merged_ownership_loss * (1 - 1 / ep.n_areas_of_area),
    )


@dataclass(frozen=True)
class Segment:
    """Steps ``start`` to ``stop - 1``: one epoch, one set of duties in force and bindings.

    Attributes:
        tables: The epoch's tables.
        demand: Workload by area and duty (fte), (n_areas, n_duties).
        need: Each partner type's expected share of an area's workload (fte), (6, n_areas).
        need_safe: ``need`` with zeros replaced by 1.
        reciprocity_ref: The reference reciprocity where ``need`` > 0, else 0, (6, n_areas).
        bound_share: Share of ``need`` a statute binds the partner to, (6, n_areas).
        link_need: Expected share summed over each link (fte), (n_links,).
        link_need_safe: ``link_need`` with zeros replaced by 1.
        link_bound: Bound share of ``link_need``, (n_links,).
        target_offset: Logit of the engagement target without reciprocity and pressure
            (see :func:`cspsim.model.rules.kernels.target_logit_offset`), (6, n_areas).
        nb_fte: New-burdens money as capacity (fte), (n_areas, n_duties); None when none.
        nb_spend_gbp: New-burdens money per area (GBP per year), (n_areas,).
        unit_dem: Workload of each delivery unit (fte), (n_units,).
        unit_dem_safe: ``unit_dem`` with zeros replaced by 1.
        unit_fixed_fte: Fixed cost of each delivery unit with demand, else 0, (n_units,).
        force_dem_safe: Workload per force area (zeros replaced by 1), (n_forces,).
    """

    start: int
    stop: int
    tables: EpochTables
    demand: np.ndarray
    need: np.ndarray
    need_safe: np.ndarray
    reciprocity_ref: np.ndarray
    bound_share: np.ndarray
    target_offset: np.ndarray
    link_need: np.ndarray
    link_need_safe: np.ndarray
    link_bound: np.ndarray
    nb_fte: np.ndarray | None
    nb_spend_gbp: np.ndarray
    unit_dem: np.ndarray
    unit_dem_safe: np.ndarray
    unit_fixed_fte: np.ndarray
    force_dem_safe: np.ndarray


def segment_starts(sched: Schedule, epoch_of_step: np.ndarray) -> list[int]:
    """First step of each segment: where the epoch, duties in force or bindings change."""
    d, b = sched.duty_active, sched.bound
    change = (
        (np.diff(epoch_of_step) != 0)
        | (d[1:] != d[:-1]).any(axis=1)
        | (b[1:] != b[:-1]).any(axis=(1, 2))
    )
    return [0, *(np.flatnonzero(change) + 1).tolist()]


class _Workload(NamedTuple):
    """Demand, and partners' expected and statutorily bound shares of it, (6, n_areas)."""

    demand: np.ndarray
    need: np.ndarray
    bound_need: np.ndarray
    bound_share: np.ndarray


def build_segments(
    tables: list[EpochTables],
    epoch_of_step: np.ndarray,
    P: SimpleNamespace,
    sched: Schedule,
    demand_full: np.ndarray,
    W: np.ndarray,
    pop_share: np.ndarray,
    force: np.ndarray,
    base_logit: np.ndarray,
) -> tuple[list[Segment], np.ndarray]:
    """All segments of a run, and the segment of each step."""
    starts = segment_starts(sched, epoch_of_step)
    stops = [*starts[1:], sched.n_steps]
    workloads: dict[bytes, _Workload] = {}  # by duties in force and bindings (epochs share)
    bound_w = np.empty_like(W)  # W where the contributor is bound, reused
    segments = []
    bound_share0 = None  # bound shares at the first step: statutory pressure is the change
    for start, stop in zip(starts, stops, strict=True):
        key = sched.duty_active[start].tobytes() + sched.bound[start].tobytes()
        if key not in workloads:
            demand = demand_full * sched.duty_active[start]
            need = np.einsum("ad,axd->xa", demand, W)
            bound = sched.bound[start].astype(float)  # 0/1: the same products as with bools
            np.multiply(W, bound[None], out=bound_w)
            bound_need = np.einsum("ad,axd->xa", demand, bound_w)
            bound_share = np.where(need > 0, bound_need / np.where(need > 0, need, 1), 0.0)
            workloads[key] = _Workload(demand, need[1:], bound_need[1:], bound_share[1:])
        if bound_share0 is None:
            bound_share0 = workloads[key].bound_share
        tab = tables[epoch_of_step[start]]
        segments.append(
            _segment(
                tab,
                start,
                stop,
                workloads[key],
                P,
                sched,
                pop_share,
                force,
                base_logit,
                bound_share0,
            )
        )
    segment_of_step = np.repeat(np.arange(len(starts)), np.subtract(stops, starts))
    return segments, segment_of_step


def _segment(
    tab: EpochTables,
    start: int,
    stop: int,
    work: _Workload,
    P: SimpleNamespace,
    sched: Schedule,
    pop_share: np.ndarray,
    force: np.ndarray,
    base_logit: np.ndarray,
    bound_share0: np.ndarray,
) -> Segment:
    """One segment of epoch tables ``tab`` with workload ``work``.

    Statutory pressure enters the engagement target as the change in the partner's bound
    share since the first step, so the 2009 state starts near its equilibrium and a newly
    binding duty pulls engagement up.
    """
    demand, need, bound_need, bound_share = work
    ep, L = tab.epoch, tab.epoch.n_links
    key = tab.link_key.ravel()
    link_need = sum_by(key, need.ravel(), L)
    link_bound = sum_by(key, bound_need.ravel(), L)
    link_bound = np.where(link_need > 0, link_bound / np.where(link_need > 0, link_need, 1), 0)
    nb_fte = sched.new_burdens_gbp[start][None, :] * pop_share[:, None] / P.cost_per_fte_gbp
    U = ep.unit_of
    unit_dem = np.bincount(U.ravel(), weights=demand.ravel(), minlength=len(ep.unit_duty))
    force_dem = np.bincount(force, weights=demand.sum(axis=1), minlength=force.max() + 1)
    return Segment(
        start=start,
        stop=stop,
        tables=tab,
        demand=demand,
        need=need,
        need_safe=safe_denominator(need),
        reciprocity_ref=np.where(need > 0, P.reciprocity_ref, 0.0),
        bound_share=bound_share,
        target_offset=target_logit_offset(
            base_logit, bound_share - bound_share0, tab.dilution, P.w_statutory, P.w_dilution
        ),
        link_need=link_need,
        link_need_safe=safe_denominator(link_need),
        link_bound=link_bound,
        nb_fte=nb_fte if nb_fte.any() else None,
        nb_spend_gbp=nb_fte.sum(axis=1) * P.cost_per_fte_gbp,
        unit_dem=unit_dem,
        unit_dem_safe=safe_denominator(unit_dem),
        unit_fixed_fte=np.where(unit_dem > 0, tab.unit_fixed_fte, 0.0),
        force_dem_safe=safe_denominator(force_dem),
    )
