"""The council of one area: it employs the community safety team and leads its CSP."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from cspsim.model.submodels import budgets, delivery, demand
from cspsim.vocab import AUTHORITY_TYPES, CHAIRS

if TYPE_CHECKING:
    from cspsim.model.agents.partnership import Partnership
    from cspsim.model.agents.pcc import PoliceAndCrimeCommissioner
    from cspsim.model.model import CSPModel
    from cspsim.model.state import AreaState


class Council(mesa.Agent):
    """The council of one area (a district, unitary, metropolitan or London borough).

    It employs the community safety team, holds the grants that reach the area and leads the
    area's CSP. ODD sections: 2 (state), 7.1 (budgets), 7.2 (demand), 7.4 (delivery) and 7.5
    (adaptation of ownership).

    Attributes:
        area: Index of the council area.
        name: Area name.
        authority_type: district_borough, unitary, metropolitan or london_borough.
        two_tier: A district in a two-tier area (the county council is a partner).
        population: Residents.
        pop_share: Share of England's residents (national money reaches it by this share).
        chair: Who chairs the area's CSP (``CHAIRS``); fixed for the run.
        team_fte: Community safety team (fte).
        base_gbp: The council's own annual funding of the team at the start (GBP per year).
        has_analyst: The team has a dedicated analyst.
        has_coordinator: The team has a dedicated coordinator.
        ownership: The council's commitment to its CSP (1 = full; falls in a merged CSP).
        mgmt_share: Extra management tiers the area bears (merged CSP or sub-regional hub).
        csp_councils: Number of councils in its CSP (set by the structure in force).
        demand_fte: This quarter's workload by duty (fte).
        partner_need_fte: Each partner type's expected share of that workload (fte), (7,).
        partner_bound_fte: The part of ``partner_need_fte`` a statute binds it to (fte), (7,).
        partner_bound_share: ``partner_bound_fte / partner_need_fte`` (0 where no need).
        bound_share_2009: ``partner_bound_share`` at the first quarter.
        offers: Share of its expected work each partner type committed this quarter, (7,).
        capacity_fte: Capacity working on each duty in the area this quarter (fte).
        delivered_fte: Delivery by duty this quarter (fte).

    Perceives: its budget index and the grants paid to it (directly, or by its PCC); the
    duties in force; its CSP's posts; what its partners offer. Decides: how much of a
    non-ring-fenced grant stays with community safety, the team it can pay for, whether
    its posts survive, and (with its CSP) where the team's time goes.
    """

    model: CSPModel  # set by mesa.Agent.__init__; declared here as Mesa ships no types

    def __init__(self, model: CSPModel, area: int, state: AreaState):
        super().__init__(model)
        geo = model.geo
        self.area = area
        self.name = geo.names[area]
        self.authority_type = AUTHORITY_TYPES[int(geo.type_code[area])]
        self.two_tier = self.authority_type == "district_borough"
        self.population = float(geo.population[area])
        self.pop_share = float(model.pop_share[area])
        self.weights = model.W[area]  # (contributors, duties): expected shares of each duty
        self.chair = CHAIRS[int(state.chair[area])]
        self.team_fte = float(state.team_fte[area])
        self.base_gbp = float(state.base_gbp[area])
        self.has_analyst = bool(state.analyst[area])
        self.has_coordinator = bool(state.coordinator[area])
        self.ownership = 1.0
        self.mgmt_share = 0.0
        self.csp_councils = 1
        self.csp: Partnership | None = None
        self.pcc: PoliceAndCrimeCommissioner | None = None
        n_d, n_p = model.duties.n, len(self.weights) - 1
        self.pcc_grant_gbp = 0.0
        self.grant_gbp = self.funded_gbp = self.turnover_loss = 0.0
        self.ledger = {"direct_gbp": 0.0, "diverted_gbp": 0.0, "late_gbp": 0.0}
        self.demand_fte = np.zeros(n_d)
        self.partner_need_fte = np.zeros(n_p)
        self.partner_bound_fte = np.zeros(n_p)
        self.partner_bound_share = np.zeros(n_p)
        self.bound_share_2009 = np.zeros(n_p)
        self.offers = np.zeros(n_p)
        self.fixed_fte = np.zeros(n_d)
        self.capacity_fte = np.zeros(n_d)
        self.delivered_fte = np.zeros(n_d)

    # ------------------------------------------------------------ 7.1 budgets
    def set_budget(self, t: int, post_draws: np.ndarray) -> None:
        """Take in this year's grants, set the team it can pay for, keep or lose its posts.

        Args:
            t: Step.
            post_draws: This quarter's uniform draws, (post, lose / regain, area).
        """
        m, P, sc = self.model, self.model.P, self.model.sched
        # The funding path and this council's own cuts, against the cost of staff by year.
        index = float(m.council_index[t, self.area])
        cost_ratio = float(sc.cost_per_fte_gbp[t]) / P.cost_per_fte_gbp
        pressure = float(np.clip(1.0 - index / cost_ratio, 0.0, 1.0))
        direct = sc.grant_direct_gbp[t] * self.pop_share
        kept_direct, lost_direct = self._keep(
            direct, sc.grant_direct_gbp[t], sc.grant_direct_ring_fenced[t], pressure
        )
        kept_pcc, lost_pcc = self._keep(
            self.pcc_grant_gbp, sc.grant_pcc_gbp[t], sc.grant_pcc_ring_fenced[t], pressure
        )
        grant = kept_direct + kept_pcc
        late = 0.0
        if sc.annual[t] and sc.year_start[t]:
            late = grant * P.late_allocation_loss  # a late, annual allocation loses time
            grant = grant - late
        self.ledger = {
            "direct_gbp": direct,
            "diverted_gbp": lost_direct + lost_pcc,
            "late_gbp": late,
        }
        self.grant_gbp = grant
        # Its own funding of the team also follows its priority for community safety.
        team_index = float(m.team_index[t, self.area])
        self.funded_gbp = self.base_gbp * team_index + grant + self._lever_gbp(t)
        self.set_team(t)
        self.turnover_loss = self._turnover_loss(t)
        self.keep_or_lose_posts(t, post_draws[:, :, self.area])

    def _lever_gbp(self, t: int) -> float:
        """Money for the posts a scenario's levers fund (GBP per year), once they apply."""
        m = self.model
        levers = m.config.levers
        posts = levers.fund_coordinator + levers.fund_analyst
        gbp: float = m.sched.cost_per_fte_gbp[t] * posts * m.sched.levers_active[t]
        return gbp

    def _keep(
        self, amount: float, total_gbp: float, ring_fenced_gbp: float, pressure: float
    ) -> tuple[float, float]:
        """(kept for community safety, diverted) of a grant: its ring-fenced part is kept."""
        rf = ring_fenced_gbp / total_gbp if total_gbp else 0.0
        kept, lost = budgets.divert(
            amount * (1 - rf), pressure, self.model.P.grant_diversion, False
        )
        return kept + amount * rf, float(lost)

    def set_team(self, t: int) -> None:
        """Hire towards what the budget pays for (at once in the first quarter); cuts bite."""
        P, cost = self.model.P, self.model.sched.cost_per_fte_gbp[t]
        rate = P.staff_adjust_rate if t else 1.0
        self.team_fte = float(budgets.staff_update(self.team_fte, self.funded_gbp / cost, rate))

    def _turnover_loss(self, t: int) -> float:
        """Share of this quarter's capacity lost replacing grant-funded leavers (each April)."""
        m, P = self.model, self.model.P
        if not m.sched.year_start[t]:
            return 0.0
        annual = bool(m.sched.annual[t])
        rate = P.turnover_annual_allocation if annual else P.turnover_multi_year_allocation
        grant_share = self.grant_gbp / self.funded_gbp if self.funded_gbp > 0 else 0.0
        return float(budgets.turnover_loss(True, grant_share, rate, P.new_staff_productivity_loss))

    def keep_or_lose_posts(self, t: int, draws: np.ndarray) -> None:
        """A post is lost with some chance while the team is below its minimum size, and
        regained while the team is large enough; a post the scenario funds is always kept."""
        m, P = self.model, self.model.P
        p_loss = P.p_post_loss_per_quarter
        p_regain = p_loss * P.post_regain_chance_ratio
        posts = {"coordinator": self.has_coordinator, "analyst": self.has_analyst}
        for k, (post, held) in enumerate(posts.items()):
            min_fte = getattr(P, f"{post}_min_fte")
            lose, regain = draws[k]
            if held:
                held = not (self.team_fte < min_fte and lose < p_loss)
            else:
                held = self.team_fte >= P.post_regain_team_multiple * min_fte and regain < p_regain
            if m.sched.levers_active[t] and getattr(m.config.levers, f"fund_{post}"):
                held = True
            posts[post] = held
        self.has_coordinator, self.has_analyst = posts["coordinator"], posts["analyst"]

    # ------------------------------------------------------------ 7.2 demand
    def assess_demand(self, t: int) -> None:
        """Workload of the duties in force, and what each partner type is expected to carry.

        Demand is proportional to population (ODD 7.2); each contributor's expected share
        of a duty comes from the duty catalogue (in two-tier areas the county council takes
        the council's share of county-led duties).
        """
        m = self.model
        self.demand_fte = m.demand_full[self.area] * m.sched.duty_level[t]
        partners = self.weights[1:]
        self.partner_need_fte, self.partner_bound_fte = demand.expected_shares(
            partners, self.demand_fte, m.sched.bound[t][1:]
        )
        self.partner_bound_share = self.bound_share()
        if t == 0:  # statutory pressure is the change since the first quarter
            self.bound_share_2009 = self.partner_bound_share
        self.offers = np.zeros(len(partners))

    def bound_share(self) -> np.ndarray:
        """Share of each partner type's expected work that a statute binds it to."""
        need = self.partner_need_fte
        return np.where(need > 0, self.partner_bound_fte / np.where(need > 0, need, 1.0), 0.0)

    # ------------------------------------------------------------ 7.4 delivery
    def available_fte(self, t: int) -> float:
        """Team time free for partnership work this quarter, after the overheads it carries.

        Part of a large team runs the council's own services (``partnership_fte``); new staff
        lose time; two-tier districts report to the county; bidding to the PCC and extra
        management tiers of a merged CSP or hub cost time too.
        """
        P = self.model.P
        team = delivery.partnership_fte(
            self.team_fte, P.team_size_elasticity, P.council_fte_mean_district_borough
        )
        avail = team * (1 - self.turnover_loss) * self.ownership
        avail -= P.two_tier_reporting_fte * self.two_tier
        if self.pcc is not None and self.pcc.invites_bids(t):
            avail -= P.bid_cost_fte
        avail -= P.management_tier_fte_per_area * self.mgmt_share
        return max(avail, 0.0)

    def partners_capacity_fte(self) -> np.ndarray:
        """Capacity partners commit to each duty of the area, before efficiency (fte)."""
        capacity: np.ndarray = self.demand_fte * (self.offers @ self.weights[1:])
        return capacity

    def new_burdens_fte(self, t: int) -> np.ndarray:
        """New-burdens money for the duties in force, as capacity by duty (fte); national
        money reaches the area by its population share."""
        m = self.model
        fte: np.ndarray = m.sched.new_burdens_gbp[t] * self.pop_share / m.sched.cost_per_fte_gbp[t]
        return fte

    def partner_fte(self) -> float:
        """Capacity partners committed to the area this quarter (fte)."""
        return float(np.dot(self.offers, self.partner_need_fte))

    # ------------------------------------------------------------ 7.5 adaptation
    def adapt_ownership(self) -> None:
        """Ownership drifts towards what its CSP's size allows (a CSP of several councils
        feels remote; the areas of one council made by a reorganisation count once)."""
        P = self.model.P
        target = 1 - P.merged_ownership_loss * (1 - 1 / self.csp_councils)
        self.ownership = self.ownership + P.ownership_adjust_rate * (target - self.ownership)
