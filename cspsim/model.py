"""The CSP capacity model: a Mesa model whose phases run on arrays.

State lives in numpy arrays (by council area, link and agency); Mesa agent objects
(``cspsim.agents``) are views onto it for inspection and the dashboard.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from cspsim.agents import build_agent_views
from cspsim.config import AUTHORITY_TYPES, PARTNER_TYPES, Scenario
from cspsim.duties import DutyTable, load_duties
from cspsim.geography import CHAIRS, Geography, build_geography, england_population
from cspsim.rules import budget, delivery, engagement
from cspsim.schedule import PARTNER_COLUMNS, build_schedule
from cspsim.state import Record, contribution_weights, initial_state, params_of
from cspsim.world import INITIAL_LEVEL, build_epoch, build_epochs

_NP = len(PARTNER_TYPES)


def _link_mean(link_of: np.ndarray, values: np.ndarray, weights: np.ndarray, n_links: int):
    """Weighted mean of area values over each link, and the summed weight."""
    valid = link_of >= 0
    wsum = np.bincount(link_of[valid], weights=weights[valid], minlength=n_links)
    vsum = np.bincount(link_of[valid], weights=(values * weights)[valid], minlength=n_links)
    return vsum / np.where(wsum > 0, wsum, 1.0), wsum


class CSPModel(mesa.Model):
    """Community safety partnerships under changing funding, duties and structures.

    Args:
        scenario: A validated scenario (see :func:`cspsim.config.load_scenario`).
        seed: Seed of this replicate; the only source of randomness.
        base_dir: Folder that relative paths in the scenario are read from.
        geography: Reuse a pre-built geography (it depends only on the scenario).
        with_agents: Build the Mesa agent views (off for bulk runs to save time).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        *,
        base_dir: Path | None = None,
        geography: Geography | None = None,
        duties: DutyTable | None = None,
        with_agents: bool = True,
    ):
        super().__init__(rng=seed)
        self.config = scenario
        self.seed = seed
        self.P = P = params_of(scenario)
        self.duties = duties if duties is not None else load_duties(scenario, base_dir)
        self.geo = geo = geography if geography is not None else build_geography(scenario.geography)
        self.sched = build_schedule(scenario, self.duties)
        quarters = self.sched.quarters
        self.epochs, self.epoch_of_step, self._shocked = build_epochs(
            scenario, geo, self.duties, quarters
        )
        # Reference dilution: national mean under the 2009 separate structure, so that a
        # scenario that merges CSPs is judged against the same yardstick as its baseline.
        ref_epoch = build_epoch(scenario, geo, self.duties, 0, False, dict(INITIAL_LEVEL))
        has_ref = ref_epoch.link_of >= 0
        self._dilution_ref = np.where(
            has_ref.any(axis=1),
            (self._dilution(ref_epoch) * has_ref).sum(axis=1) / np.maximum(has_ref.sum(axis=1), 1),
            0.0,
        )
        self.pop = geo.population
        # National money reaches an area by its share of England's population.
        self.pop_share = geo.population / england_population()
        self.district = geo.type_code == AUTHORITY_TYPES.index("district_borough")
        self.W = contribution_weights(geo, self.duties)
        self.demand_full = (
            geo.population[:, None]
            / 1e5
            * self.duties.workload_fte_per_100k[None, :]
            * P.demand_scale
        )
        self.base_logit = engagement.logit(
            np.array([getattr(P, f"engagement_base_{p}") for p in PARTNER_TYPES])
        )
        self.fte_per_100k = np.array([getattr(P, f"{p}_fte_per_100k") for p in PARTNER_TYPES])
        init_rng, self._noise_rng, self._post_rng = (
            np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
        )
        grant0 = self._direct_grant(0)
        self.state = initial_state(
            P, geo, init_rng, grant0, self._dilution(self.epochs[0]) - self._dilution_ref[:, None]
        )
        self.rec = Record(self.sched.n_steps, geo.n, self.duties.n)
        self.t = -1  # index of the last completed step
        self.running = True
        self.views = build_agent_views(self) if with_agents else None

    # ------------------------------------------------------------------ helpers
    def _dilution(self, ep) -> np.ndarray:
        """log(number of CSPs + hubs served by the agency) for each (partner type, area)."""
        served = ep.n_served + ep.hubs_served
        out = np.zeros((_NP, self.geo.n))
        valid = ep.link_of >= 0
        out[valid] = np.log(np.maximum(served[ep.link_agency[ep.link_of[valid]]], 1.0))
        return out

    def _direct_grant(self, t: int) -> np.ndarray:
        """Annual direct grant per area at step ``t`` (population share of the national total)."""
        return self.sched.grant_direct_gbp[t] * self.pop_share

    @property
    def epoch(self):
        """Structure in force at the current step."""
        return self.epochs[self.epoch_of_step[max(self.t, 0)]]

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one quarter, in five synchronous phases.

        1. Budgets: agency budgets follow the funding index; grants reach council teams
           (direct, or through the PCC by its funding model), minus diversion of
           non-ring-fenced money and late annual allocations; teams grow towards what their
           budget pays for (cuts bite at once); posts at risk may be lost.
        2. Demand: each duty in force creates workload in proportion to population.
        3. Commitments: each partner agency offers each CSP it serves its expected share of
           the work, scaled by engagement (floored by statutory obligation) and willingness
           under budget pressure, after paying a fixed attendance cost per CSP; offers are
           rationed to its available capacity.
        4. Delivery: the council team fills the gaps partners leave; capacity becomes
           delivery with the CSP's coordination efficiency, in delivery units (CSP, merged
           CSP or sub-regional hub) where high-volume duties lose locality and low-volume
           ones share a fixed cost.
        5. Adaptation: engagement moves towards a target set by reciprocity, budget pressure,
           statutory obligation and dilution, plus noise; council ownership fades in merged
           CSPs.
        """
        if self.t + 1 >= self.sched.n_steps:
            self.running = False
            return
        self.t = t = self.t + 1
        P, s, sc, rec = self.P, self.state, self.sched, self.rec
        ep = self.epochs[self.epoch_of_step[t]]
        if t > 0 and t == ep.start_step:
            for ptype in self._shocked[self.epoch_of_step[t]]:
                s.engagement[PARTNER_TYPES.index(ptype)] *= 1 - P.reorganisation_shock
        cost = P.cost_per_fte_gbp
        idx = sc.budget_index[t]
        pressure = np.clip(1.0 - idx[PARTNER_COLUMNS], 0.0, 1.0)
        council_pressure = float(np.clip(1.0 - idx[0], 0.0, 1.0))

        # 1. Budgets (annual GBP rates; a quarter spends a quarter of them).
        direct = self._direct_grant(t)
        rf = (
            sc.grant_direct_ring_fenced[t] / sc.grant_direct_gbp[t]
            if sc.grant_direct_gbp[t]
            else 0.0
        )
        kept, diverted = budget.divert(
            direct * (1 - rf), council_pressure, P.grant_diversion, False
        )
        kept = kept + direct * rf
        force = self.geo.footprint["police"]
        fund_force = sc.grant_pcc_gbp[t] * np.bincount(force, weights=self.pop_share)
        bids = self.config.pcc.funding_model == "bids" and sc.pcc_active[t]
        strength = 1 + P.gain_analyst * s.analyst + P.gain_coordinator * s.coordinator
        to_area, central = budget.pcc_pass_on(
            fund_force,
            force,
            self.pop,
            self.config.pcc.funding_model,
            P.pcc_retained_share,
            strength,
        )
        to_area_kept, to_area_div = budget.divert(
            to_area, council_pressure, P.grant_diversion, False
        )
        grant = kept + to_area_kept
        late = 0.0
        if self.config.funding.allocation == "annual" and sc.year_start[t]:
            late = grant * P.late_allocation_loss
            grant = grant - late
        lever = sc.levers_active[t]
        lever_gbp = (
            cost * (self.config.levers.fund_coordinator + self.config.levers.fund_analyst) * lever
        )
        funded_gbp = s.base_gbp * idx[0] + grant + lever_gbp
        s.team_fte = budget.staff_update(
            s.team_fte, funded_gbp / cost, P.staff_adjust_rate if t else 1.0
        )
        turnover_rate = (
            P.turnover_annual_allocation
            if self.config.funding.allocation == "annual"
            else P.turnover_multi_year_allocation
        )
        grant_share = np.where(funded_gbp > 0, grant / np.where(funded_gbp > 0, funded_gbp, 1), 0)
        lost = budget.turnover_loss(
            bool(sc.year_start[t]), grant_share, turnover_rate, P.new_staff_productivity_loss
        )
        u = self._post_rng.random((4, self.geo.n))
        p_loss, p_regain = P.p_post_loss_per_quarter, P.p_post_loss_per_quarter / 2
        s.coordinator = np.where(
            s.coordinator,
            ~((s.team_fte < P.coordinator_min_fte) & (u[0] < p_loss)),
            (s.team_fte >= 2 * P.coordinator_min_fte) & (u[1] < p_regain),
        ) | (lever and self.config.levers.fund_coordinator)
        s.analyst = np.where(
            s.analyst,
            ~((s.team_fte < P.analyst_min_fte) & (u[2] < p_loss)),
            (s.team_fte >= 2 * P.analyst_min_fte) & (u[3] < p_regain),
        ) | (lever and self.config.levers.fund_analyst)

        # 2. Demand.
        demand = self.demand_full * sc.duty_active[t]
        need = np.einsum("ad,axd->xa", demand, self.W)
        bound_need = np.einsum("ad,axd->xa", demand, self.W * sc.bound[t][None])
        bound_share = np.where(need > 0, bound_need / np.where(need > 0, need, 1), 0.0)

        # 3. Partner commitments over links.
        L, link_of = ep.n_links, ep.link_of
        pop_b = np.broadcast_to(self.pop, link_of.shape)
        link_e, _ = _link_mean(link_of, s.engagement, pop_b, L)
        link_need = np.bincount(link_of[link_of >= 0], weights=need[1:][link_of >= 0], minlength=L)
        link_bound = np.bincount(
            link_of[link_of >= 0], weights=bound_need[1:][link_of >= 0], minlength=L
        )
        link_bound = np.where(link_need > 0, link_bound / np.where(link_need > 0, link_need, 1), 0)
        will = engagement.willingness(pressure[ep.link_ptype], P.pressure_sensitivity)
        desired = engagement.desired_commitment(
            link_need, link_e, link_bound, P.statutory_floor, will
        )
        cap = (
            self.fte_per_100k[ep.agency_ptype]
            * ep.agency_pop
            / 1e5
            * idx[PARTNER_COLUMNS][ep.agency_ptype]
        )
        e_sum = np.bincount(ep.link_agency, weights=link_e, minlength=len(cap))
        overhead = np.minimum(
            P.attendance_fte_per_csp * e_sum * (1 + ep.hubs_served / np.maximum(ep.n_served, 1)),
            cap,
        )
        commit = engagement.ration(desired, ep.link_agency, np.maximum(cap - overhead, 0.0))
        ratio = np.where(link_need > 0, commit / np.where(link_need > 0, link_need, 1), 0.0)
        R = np.where(link_of >= 0, ratio[link_of], 0.0)

        # 4. Delivery.
        csp = ep.csp_of_area
        n_csp = len(ep.csp_names)
        turnover = lost
        council_avail = np.maximum(
            s.team_fte * (1 - turnover) * s.ownership
            - P.two_tier_reporting_fte * self.district
            - P.bid_cost_fte * bids
            - P.management_tier_fte_per_area * ep.mgmt_share,
            0.0,
        )
        coord_c = np.bincount(csp, weights=s.coordinator, minlength=n_csp)[csp] > 0
        analyst_c = np.bincount(csp, weights=s.analyst, minlength=n_csp)[csp] > 0
        eff = delivery.efficiency(
            P.efficiency_base,
            coord_c,
            analyst_c,
            s.chair == CHAIRS.index("elected_member"),
            turnover,
            (P.gain_coordinator, P.gain_analyst, P.chair_member_penalty),
        )
        bb = np.ones(self.duties.n)
        if self.config.levers.backbone_gbp_per_year > 0:
            per_csp = self.config.levers.backbone_gbp_per_year / n_csp
            gain = P.backbone_efficiency_gain * per_csp / (per_csp + P.backbone_half_effect_gbp)
            bb[[self.duties.ids.index(d) for d in self.config.levers.backbone_duties]] += gain
        eff_ad = eff[:, None] * bb[None, :]
        nb_fte = sc.new_burdens_gbp[t][None, :] * self.pop_share[:, None] / cost
        partner_cap = demand * np.einsum("pa,apd->ad", R, self.W[:, 1:, :])
        eff_cap = (partner_cap + nb_fte) * eff_ad
        gap = np.maximum(demand - eff_cap, 0.0)
        flat = (csp[:, None] * self.duties.n + np.arange(self.duties.n)).ravel()
        gap_c = np.bincount(flat, weights=gap.ravel(), minlength=n_csp * self.duties.n).reshape(
            n_csp, -1
        )
        alloc_c = delivery.allocate_flexible(
            np.bincount(csp, weights=council_avail, minlength=n_csp), gap_c
        )
        share_gap = np.where(gap_c[csp] > 0, gap / np.where(gap_c[csp] > 0, gap_c[csp], 1), 0.0)
        council_cap = np.minimum(alloc_c[csp] * share_gap * eff_ad, gap)
        total_dem_force = np.bincount(force, weights=demand.sum(axis=1), minlength=len(central))
        central_fte = central / cost * P.central_commissioning_efficiency
        central_cap = (
            demand
            * (central_fte / np.where(total_dem_force > 0, total_dem_force, 1))[force][:, None]
        )
        capacity = eff_cap + council_cap + central_cap
        U = ep.unit_of
        unit_dem = np.bincount(U.ravel(), weights=demand.ravel(), minlength=len(ep.unit_duty))
        unit_cap = np.bincount(U.ravel(), weights=capacity.ravel(), minlength=len(ep.unit_duty))
        loc = delivery.locality_factor(
            ep.unit_n_areas, self.duties.low_volume[ep.unit_duty], P.locality_penalty_high_volume
        )
        unit_del = delivery.deliver(
            unit_dem, unit_cap * loc, self.duties.fixed_cost_fte[ep.unit_duty]
        )
        unit_share = np.where(unit_dem > 0, unit_del / np.where(unit_dem > 0, unit_dem, 1), 0.0)
        delivered = unit_share[U] * demand

        # 5. Adaptation.
        got = np.einsum("ad,axd->xa", delivered, self.W)[1:]
        recip = np.where(need[1:] > 0, got / np.where(need[1:] > 0, need[1:], 1), P.reciprocity_ref)
        dil = self._dilution(ep) - self._dilution_ref[:, None]
        base = self.base_logit[:, None] + np.zeros((_NP, self.geo.n))
        base[PARTNER_TYPES.index("police")] += P.chair_police_engagement_bonus * (
            s.chair == CHAIRS.index("police")
        )
        target = engagement.engagement_target(
            base,
            recip - P.reciprocity_ref,
            pressure[:, None],
            bound_share[1:],
            dil,
            (P.w_reciprocity, P.w_pressure, P.w_statutory, P.w_dilution),
        )
        noise = self._noise_rng.normal(0.0, P.engagement_noise_sd, (_NP, self.geo.n))
        has = link_of >= 0
        s.engagement = np.where(
            has, engagement.adapt(s.engagement, target, P.engagement_adjust_rate, noise), 0.0
        )
        own_target = 1 - P.merged_ownership_loss * (1 - 1 / ep.n_areas_of_area)
        s.ownership = s.ownership + P.ownership_adjust_rate * (own_target - s.ownership)

        # Record (money per quarter).
        rec.demand[t], rec.delivered[t], rec.team_fte[t] = demand, delivered, s.team_fte
        partner_fte_area = (R * need[1:]).sum(axis=0)
        rec.spend_gbp[t] = (
            (s.team_fte + partner_fte_area) * cost
            + nb_fte.sum(axis=1) * cost
            + central[force] * self.pop / np.bincount(force, weights=self.pop)[force]
        ) / 4
        rec.eng_strategic[t] = np.where(has, s.engagement, np.nan)
        rec.eng_operational[t] = np.where(has, np.minimum(R, 1.0), np.nan)
        rec.analyst[t], rec.coordinator[t] = s.analyst, s.coordinator
        led = rec.ledger
        led["grants_in_gbp"][t] = (direct.sum() + fund_force.sum()) / 4
        led["grants_to_teams_gbp"][t] = grant.sum() / 4
        led["grants_diverted_gbp"][t] = (diverted.sum() + to_area_div.sum()) / 4
        led["grants_late_lost_gbp"][t] = np.sum(late) / 4
        led["pcc_central_gbp"][t] = central.sum() / 4
        led["council_funded_gbp"][t] = funded_gbp.sum() / 4
        led["council_spend_gbp"][t] = s.team_fte.sum() * cost / 4
        led["partner_budget_gbp"][t] = cap.sum() * cost / 4
        led["partner_committed_gbp"][t] = (commit.sum() + overhead.sum()) * cost / 4
        if self.t + 1 >= self.sched.n_steps:
            self.running = False

    def run(self) -> CSPModel:
        """Run every quarter of the scenario."""
        while self.running:
            self.step()
        return self
