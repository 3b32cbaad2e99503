"""The CSP capacity model: one Mesa model, two engines.

* ``engine="agents"``: the readable form. Mesa agents (:mod:`cspsim.model.agents`) hold the
  state and make every decision, scheduled with ``AgentSet`` in the order of ODD section 3.
* ``engine="arrays"`` (the default): the fast form. State lives in numpy arrays (by council
  area, link and agency), everything that does not depend on the state is worked out before
  the first step (:mod:`cspsim.model.precompute`), and a step only does the state-dependent
  arithmetic; agent objects (:mod:`cspsim.model.views`) are views onto the arrays.

Both draw the same random numbers in the same order and record the same outputs;
``tests/test_engines.py`` proves them equal (to 1e-9) on whole runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import mesa
import numpy as np

from cspsim.inputs.duties import DutyTable, load_duties
from cspsim.inputs.geography import (
    Geography,
    build_geography,
    england_population,
    synthetic_england,
)
from cspsim.inputs.scenario import Scenario
from cspsim.model.agents import AgentStructure, record_agents
from cspsim.model.precompute import Segment, build_epoch_tables, build_segments, build_step_inputs
from cspsim.model.rules import budget, delivery, engagement, kernels
from cspsim.model.rules.linkops import PartnerWeights, sum_by, take_padded
from cspsim.model.schedule import build_schedule
from cspsim.model.state import Record, contribution_weights, initial_state, params_of
from cspsim.model.views import build_agent_views
from cspsim.model.world import INITIAL_LEVEL, build_epoch, build_epochs, dilution
from cspsim.vocab import AUTHORITY_TYPES, CHAIRS, PARTNER_TYPES

_NP = len(PARTNER_TYPES)
ENGINES = ("arrays", "agents")


@cache
def england_dilution_ref() -> np.ndarray:
    """Mean log(CSPs served) per partner type over England's areas in 2009 (separate CSPs)."""
    sc = Scenario(name="england_2009_reference")
    ref = build_epoch(sc, synthetic_england(1), load_duties(sc), 0, False, dict(INITIAL_LEVEL))
    has = ref.link_of >= 0
    ref_dil = dilution(ref)
    return np.where(
        has.any(axis=1), (ref_dil * has).sum(axis=1) / np.maximum(has.sum(axis=1), 1), 0.0
    )


class CSPModel(mesa.Model):
    """Community safety partnerships under changing funding, duties and structures.

    Args:
        scenario: A validated scenario (see :func:`cspsim.inputs.scenario.load_scenario`).
        seed: Seed of this replicate; the only source of randomness.
        base_dir: Folder that relative paths in the scenario are read from.
        geography: Reuse a pre-built geography (it depends only on the scenario).
        with_agents: Build the Mesa agent views of the array engine (off for bulk runs to
            save time); the agent engine always has its agents.
        engine: ``"arrays"`` (fast, the default) or ``"agents"`` (every decision made by a
            Mesa agent; slower, same results).

    Raises:
        ValueError: An unknown ``engine``.
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
        engine: str = "arrays",
    ):
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
        super().__init__(rng=seed)
        self.engine = engine
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
        # It is England's (the synthetic 2009 geography), also for a user's own areas, so a
        # small coterminous area is judged against the national norm, not its own average.
        self.dilution_ref = self._dilution_ref = england_dilution_ref()
        self.pop = geo.population
        # National money reaches an area by its share of England's population.
        self.england_pop = england_population()
        self.pop_share = geo.population / self.england_pop
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
        self.agents_engine: AgentStructure | None = None
        if engine == "agents":
            self.agents_engine = a = AgentStructure(self, self.state)
            self.views = {
                "councils": list(a.councils),
                "partnerships": a.csp_agents,
                "partners": a.agency_agents,
                "pccs": list(a.pccs),
            }
        else:
            self._precompute()
            self._fixed_cache: dict[int, np.ndarray] = {}
            self.views = build_agent_views(self) if with_agents else None

    def _precompute(self) -> None:
        """Work out everything the steps need that does not depend on the evolving state."""
        P, s, sc, geo = self.P, self.state, self.sched, self.geo
        self._force = geo.footprint["police"]
        self._annual = self.config.funding.allocation == "annual"
        self._inputs = build_step_inputs(self.config, P, sc, geo, self.pop_share)
        self._W_partners = PartnerWeights.of(self.W)
        # The chair is drawn at the start and no phase changes it, so the parts of the
        # engagement target and of efficiency that depend on it are fixed for the run.
        self._base_logit_area = self.base_logit[:, None] + np.zeros((_NP, geo.n))
        self._base_logit_area[PARTNER_TYPES.index("police")] += P.chair_police_engagement_bonus * (
            s.chair == CHAIRS.index("police")
        )
        coordinator, analyst = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=bool)[:, :, None]
        self._eff_by_posts = delivery.efficiency(  # rows: no post, analyst, coordinator, both
            P.efficiency_base,
            coordinator,
            analyst,
            (s.chair == CHAIRS.index("elected_member"))[None, :],
            0.0,
            (P.gain_coordinator, P.gain_analyst, P.chair_member_penalty),
        )
        self._pressure_logit = P.w_pressure * self._inputs.pressure[:, :, None]
        self._post_min_fte = np.array([[P.coordinator_min_fte], [P.analyst_min_fte]])
        levers = self.config.levers
        self._post_funded = np.array([[levers.fund_coordinator], [levers.fund_analyst]])
        self._zeros_ad = np.zeros((geo.n, self.duties.n))
        self._shocked_rows = [[PARTNER_TYPES.index(p) for p in sorted(c)] for c in self._shocked]
        # Epoch tables, then segments (stretches with one epoch and one set of duties).
        stops = [e.start_step for e in self.epochs[1:]] + [sc.n_steps]
        tables = [
            build_epoch_tables(
                ep,
                stop,
                self.config,
                P,
                sc,
                self.duties,
                self.pop,
                self.district,
                self.fte_per_100k,
                self._dilution(ep) - self._dilution_ref[:, None],
            )
            for ep, stop in zip(self.epochs, stops, strict=True)
        ]
        self._segments, self._segment_of_step = build_segments(
            tables,
            self.epoch_of_step,
            P,
            sc,
            self.demand_full,
            self.W,
            self.pop_share,
            self._force,
            self._base_logit_area,
        )

    # ------------------------------------------------------------------ helpers
    def _dilution(self, ep) -> np.ndarray:
        """log(number of CSPs + hubs served by the agency) for each (partner type, area)."""
        return dilution(ep)

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
        if self.engine == "agents":
            self._step_agents(t)
        else:
            self._step_arrays(t)
        if self.t + 1 >= self.sched.n_steps:
            self.running = False

    def _step_agents(self, t: int) -> None:
        """One quarter, every decision made by a Mesa agent (the readable engine).

        The agents of one phase act on what the previous phases left, so the order inside
        a phase does not matter (``AgentSet.do``, no shuffle). The random numbers are drawn
        as whole arrays, as the array engine draws them, and each agent reads its own.
        """
        a, P, n = self.agents_engine, self.P, self.geo.n
        if t == 0 or self.epoch_of_step[t] != self.epoch_of_step[t - 1]:
            e = self.epoch_of_step[t]
            a.rewire(self.epochs[e], self._shocked[e], first=t == 0)
        # 1. Budgets
        post_draws = self._post_rng.random((4, n)).reshape(2, 2, -1)  # (post, lose/regain, area)
        a.pccs.do("pass_on_fund", t)
        a.councils.do("set_budget", t, post_draws)
        # 2. Demand
        a.councils.do("assess_demand", t)
        # 3. Commitments
        a.partners.do("split_attention", t)
        # 4. Delivery
        a.footprints.do("share_fixed_costs")
        a.csps.do("plan_delivery", t)
        a.footprints.do("deliver")
        # 5. Adaptation
        noise = self._noise_rng.standard_normal((_NP, n)) * P.engagement_noise_sd
        a.partners.do("adapt_engagement", t, noise)
        a.councils.do("adapt_ownership")
        record_agents(self, a, t)

    def _step_arrays(self, t: int) -> None:
        """One quarter on arrays (the fast engine)."""
        seg = self._segments[self._segment_of_step[t]]
        if t > 0 and t == seg.tables.start:
            for p in self._shocked_rows[self.epoch_of_step[t]]:
                self.state.engagement[p] *= 1 - self.P.reorganisation_shock
        funded_gbp, lost = self._budgets(t)
        # 2. Demand: constant within a segment (``seg.demand``, ``seg.need``).
        R, committed_fte = self._commitments(t, seg)
        delivered = self._deliver(t, seg, R, lost)
        self._adapt(t, seg, delivered)
        self._record(t, seg, funded_gbp, R, committed_fte)

    def _budgets(self, t: int):
        """Phase 1. Returns (council funding per area, share of capacity lost to turnover or
        None outside the first quarter of a financial year)."""
        P, s, sc, st = self.P, self.state, self.sched, self._inputs
        cost = P.cost_per_fte_gbp
        if st.grant is None:  # "bids": the PCC's money follows each team's bid strength
            strength = 1 + P.gain_analyst * s.analyst + P.gain_coordinator * s.coordinator
            to_area, _ = budget.pcc_pass_on(
                st.fund_force[t], self._force, self.pop, "bids", P.pcc_retained_share, strength
            )
            gp = sc.grant_pcc_gbp[t]
            rf = sc.grant_pcc_ring_fenced[t] / gp if gp else 0.0
            to_area_kept, to_area_div = budget.divert(
                to_area * (1 - rf), st.council_pressure[t], P.grant_diversion, False
            )
            to_area_kept = to_area_kept + to_area * rf
            grant = st.kept_direct[t] + to_area_kept
            late = 0.0
            if self._annual and sc.year_start[t]:
                late = grant * P.late_allocation_loss
                grant = grant - late
            led = self.rec.ledger
            led["grants_to_teams_gbp"][t] = grant.sum() / 4
            led["grants_diverted_gbp"][t] = (st.diverted_direct_gbp[t] + to_area_div.sum()) / 4
            led["grants_late_lost_gbp"][t] = np.sum(late) / 4
        else:
            grant = st.grant[t]
        funded_gbp = s.base_gbp * sc.budget_index[t, 0] + grant + st.lever_gbp[t]
        s.team_fte = budget.staff_update(
            s.team_fte, funded_gbp / cost, P.staff_adjust_rate if t else 1.0
        )
        lost = None
        if sc.year_start[t]:
            turnover_rate = (
                P.turnover_annual_allocation if self._annual else P.turnover_multi_year_allocation
            )
            grant_share = np.where(
                funded_gbp > 0, grant / np.where(funded_gbp > 0, funded_gbp, 1), 0
            )
            lost = budget.turnover_loss(
                True, grant_share, turnover_rate, P.new_staff_productivity_loss
            )
        # Posts (rows: coordinator, analyst): a post is lost with some probability while the
        # team is below its minimum size, and regained while it is large enough.
        u = self._post_rng.random((4, self.geo.n)).reshape(2, 2, -1)  # (post, lose/regain, area)
        p_loss = P.p_post_loss_per_quarter
        p_regain = p_loss * P.post_regain_chance_ratio
        posts = np.where(
            np.array([s.coordinator, s.analyst]),
            ~((s.team_fte < self._post_min_fte) & (u[:, 0] < p_loss)),
            (s.team_fte >= P.post_regain_team_multiple * self._post_min_fte) & (u[:, 1] < p_regain),
        )
        if sc.levers_active[t]:
            posts |= self._post_funded
        s.coordinator, s.analyst = posts
        return funded_gbp, lost

    def _commitments(self, t: int, seg: Segment):
        """Phase 3. Returns (commitment ratio per (partner type, area), total fte committed
        including attendance)."""
        P, tab = self.P, seg.tables
        ep, k = tab.epoch, t - tab.start
        weighted = (self.state.engagement * self.pop).ravel()
        link_e = sum_by(tab.link_key.ravel(), weighted, ep.n_links) / tab.link_pop_safe
        desired = engagement.desired_commitment(
            seg.link_need, link_e, seg.link_bound, P.statutory_floor, tab.will[k]
        )
        cap = tab.cap[k]
        e_sum = np.bincount(ep.link_agency, weights=link_e, minlength=len(cap))
        overhead = np.minimum(P.attendance_fte_per_csp * e_sum * tab.hub_factor, cap)
        commit = engagement.ration(desired, ep.link_agency, np.maximum(cap - overhead, 0.0))
        # Commitment is 0 wherever the need is, so dividing by the safe need is exact.
        R = take_padded(commit / seg.link_need_safe, tab.link_key, tab.link_buffer)
        return R, commit.sum() + overhead.sum()

    def _deliver(self, t: int, seg: Segment, R: np.ndarray, lost: np.ndarray | None):
        """Phase 4. Writes this quarter's delivery into the record and returns it."""
        P, s, tab, st = self.P, self.state, seg.tables, self._inputs
        ep, demand = tab.epoch, seg.demand
        team = delivery.partnership_fte(
            s.team_fte, P.team_size_elasticity, P.council_fte_mean_district_borough
        )
        if lost is None:
            avail = team * s.ownership - tab.reporting_fte
        else:
            avail = team * (1 - lost) * s.ownership - tab.reporting_fte
        if st.bids[t]:
            avail = avail - P.bid_cost_fte
        if tab.mgmt_fte is not None:
            avail = avail - tab.mgmt_fte
        council_avail = np.maximum(avail, 0.0)
        if tab.csp_identity:
            coord, analyst = s.coordinator, s.analyst
        else:
            csp, n_csp = ep.csp_of_area, len(ep.csp_names)
            coord = np.bincount(csp, weights=s.coordinator, minlength=n_csp)[csp] > 0
            analyst = np.bincount(csp, weights=s.analyst, minlength=n_csp)[csp] > 0
        e = self._eff_by_posts
        eff = np.where(coord, np.where(analyst, e[3], e[2]), np.where(analyst, e[1], e[0]))
        # Efficiency by area and duty: (n,) when no duty has backbone support, else (n, d).
        eff_ad = eff if tab.backbone is None else eff[:, None] * tab.backbone[None, :]
        eff_cap = demand * self._W_partners.by_duty(R)  # partners' committed capacity
        if seg.nb_fte is not None:
            eff_cap = eff_cap + seg.nb_fte
        eff_cap = eff_cap * (eff_ad[:, None] if eff_ad.ndim == 1 else eff_ad)
        # The council team fills what partners leave, including each delivery unit's fixed
        # cost (shared among the unit's areas in proportion to their demand).
        gap = np.maximum(demand + self._fixed_share(seg) - eff_cap, self._zeros_ad)
        if tab.csp_identity:  # each team fills its own gaps
            council_cap = kernels.council_fill(council_avail, gap, eff_ad)
        else:  # a merged CSP's teams pool their capacity over its gaps
            eff_ad = eff_ad[:, None] if eff_ad.ndim == 1 else eff_ad
            csp, n_csp, n_d = ep.csp_of_area, len(ep.csp_names), self.duties.n
            gap_c = np.bincount(tab.csp_duty_key, weights=gap.ravel(), minlength=n_csp * n_d)
            gap_c = gap_c.reshape(n_csp, n_d)
            alloc_c = delivery.allocate_flexible(
                np.bincount(csp, weights=council_avail, minlength=n_csp), gap_c
            )
            share = np.where(gap_c[csp] > 0, gap / np.where(gap_c[csp] > 0, gap_c[csp], 1), 0.0)
            council_cap = np.minimum(alloc_c[csp] * share * eff_ad, gap)
        capacity = eff_cap + council_cap
        if st.has_central[t]:
            central = (st.central_fte[t] / seg.force_dem_safe)[self._force]
            capacity = capacity + demand * central[:, None]
        U = ep.unit_of
        if tab.unit_identity:
            unit_cap = capacity.ravel()
        else:
            unit_cap = np.bincount(U.ravel(), weights=capacity.ravel(), minlength=len(seg.unit_dem))
        if tab.unit_loc is not None:
            unit_cap = unit_cap * tab.unit_loc
        unit_share = kernels.delivered_share(
            seg.unit_dem, unit_cap, seg.unit_fixed_fte, seg.unit_dem_safe
        )
        unit_share = unit_share.reshape(demand.shape) if tab.unit_identity else unit_share[U]
        return np.multiply(unit_share, demand, out=self.rec.delivered[t])

    def _fixed_share(self, seg: Segment) -> np.ndarray:
        """Each area's share of its delivery units' fixed costs, (n_areas, n_duties)."""
        cached = self._fixed_cache.get(id(seg))
        if cached is None:
            U = seg.tables.epoch.unit_of
            per_dem = seg.unit_fixed_fte / seg.unit_dem_safe
            cached = seg.demand * per_dem[U]
            self._fixed_cache[id(seg)] = cached
        return cached

    def _adapt(self, t: int, seg: Segment, delivered: np.ndarray) -> None:
        """Phase 5."""
        P, s, tab = self.P, self.state, seg.tables
        got = self._W_partners.by_partner(delivered)
        # Reciprocity relative to its reference; 0 where a partner is expected to give nothing.
        reciprocity = got / seg.need_safe - seg.reciprocity_ref
        # Logit of the target (engagement.engagement_target), its fixed part precomputed.
        logit = seg.target_offset + P.w_reciprocity * reciprocity - self._pressure_logit[t]
        # = normal(0, sd): the same draws, without the per-draw location and scale.
        noise = self._noise_rng.standard_normal((_NP, self.geo.n)) * P.engagement_noise_sd
        s.engagement = kernels.adapt_engagement(
            s.engagement, logit, P.engagement_adjust_rate, noise, tab.has_float
        )
        s.ownership = s.ownership + P.ownership_adjust_rate * (tab.own_target - s.ownership)

    def _record(self, t, seg: Segment, funded_gbp, R, committed_fte) -> None:
        """Record the quarter (money per quarter; ``delivered`` is written by phase 4)."""
        P, s, tab, st, rec = self.P, self.state, seg.tables, self._inputs, self.rec
        cost = P.cost_per_fte_gbp
        rec.demand[t], rec.team_fte[t] = seg.demand, s.team_fte
        partner_fte_area = (R * seg.need).sum(axis=0)
        rec.spend_gbp[t] = (
            (s.team_fte + partner_fte_area) * cost + seg.nb_spend_gbp + st.central_spend_gbp[t]
        ) / 4
        np.add(s.engagement, tab.nan_where_none, out=rec.eng_strategic[t])
        np.add(np.minimum(R, 1.0), tab.nan_where_none, out=rec.eng_operational[t])
        rec.analyst[t], rec.coordinator[t] = s.analyst, s.coordinator
        led = rec.ledger
        for name, values in st.ledger.items():
            led[name][t] = values[t]
        led["council_funded_gbp"][t] = funded_gbp.sum() / 4
        led["council_spend_gbp"][t] = s.team_fte.sum() * cost / 4
        led["partner_budget_gbp"][t] = tab.cap_gbp[t - tab.start]
        led["partner_committed_gbp"][t] = committed_fte * cost / 4

    def run(self) -> CSPModel:
        """Run every quarter of the scenario."""
        while self.running:
            self.step()
        return self
