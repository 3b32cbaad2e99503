"""The Police and Crime Commissioner of one force area."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from cspsim.model.submodels import budgets

if TYPE_CHECKING:
    from cspsim.model.agents.council import Council
    from cspsim.model.model import CSPModel


class PoliceAndCrimeCommissioner(mesa.Agent):
    """A PCC (from the scenario's election date), one per police force area.

    Before PCCs are elected their fund is paid to councils directly (the schedule does that),
    so a PCC's fund is zero until then. ODD sections 2 and 7.1.

    Attributes:
        force: Index of the force area.
        name: Force area name.
        councils: The council areas of the force.
        fund_gbp: This year's community safety fund (GBP per year).
        central_fund_gbp: This year's money for its own commissioning (GBP per year).
        central_gbp: The part it commissions itself (GBP per year).
        central_fte: That money as delivery capacity (fte).

    Perceives: the national fund for PCCs (its force's population share); the councils'
    posts (under ``bids``). Decides: how much to keep and commission itself, and how to pass
    the rest on (by population under ``grant``, by bid strength under ``bids``).
    """

    model: CSPModel  # set by mesa.Agent.__init__; declared here as Mesa ships no types

    def __init__(self, model: CSPModel, force: int, councils: list[Council]):
        super().__init__(model)
        self.force = force
        self.name = model.geo.footprint_names["police"][force]
        self.councils = councils
        for c in councils:
            c.pcc = self
        self.fund_gbp = self.central_fund_gbp = self.central_gbp = self.central_fte = 0.0

    def holder(self, t: int) -> str:
        """Who holds police and crime functions for the force area at step ``t`` (real
        England: police authority, PCC or mayor, from the ONS-based geography; elsewhere
        "police authority" before the PCC election date and "PCC" after)."""
        bodies = self.model.geo.police_bodies.get(self.name)
        on = self.model.sched.quarters[t]
        if not bodies:
            return "PCC" if self.in_office(t) else "police authority"
        current = [str(b["name"]) for b in bodies if b["from"] <= on]
        return current[-1] if current else str(bodies[0]["name"])

    def funding_model(self, t: int) -> str:
        """How the fund is passed on at step ``t`` (``grant``, ``central``, ``bids`` or
        ``board``): the scenario's model, changed on the dates of ``pcc.changes`` that apply
        to this force area."""
        return str(self.model.pcc_model[t, self.force])

    def in_office(self, t: int) -> bool:
        """Whether PCCs have been elected by step ``t``."""
        return bool(self.model.sched.pcc_active[t])

    def invites_bids(self, t: int) -> bool:
        """Whether CSP teams spend time bidding for the PCC's money this quarter."""
        return self.funding_model(t) == "bids" and self.in_office(t)

    def pass_on_fund(self, t: int) -> None:
        """Split this year's fund between its own commissioning and the councils' teams."""
        m, P = self.model, self.model.P
        pop_share = sum(c.pop_share for c in self.councils)
        self.fund_gbp = m.sched.grant_pcc_gbp[t] * pop_share
        population = np.array([c.population for c in self.councils])
        strength = np.array([self.bid_strength(c, t) for c in self.councils])
        to_area, central = budgets.pcc_pass_on(
            np.array([self.fund_gbp]),
            np.zeros(len(self.councils), dtype=np.int64),
            population,
            self.funding_model(t),
            P.pcc_retained_share,
            strength,
        )
        for c, gbp in zip(self.councils, to_area.tolist(), strict=True):
            c.pcc_grant_gbp = gbp
        # Plus the money it gets for its own commissioning (VRUs, Safer Streets).
        self.central_fund_gbp = float(m.sched.grant_pcc_central_gbp[t] * pop_share)
        self.central_gbp = float(central[0]) + self.central_fund_gbp
        self.central_fte = (
            self.central_gbp / m.sched.cost_per_fte_gbp[t] * P.central_commissioning_efficiency
        )

    def bid_strength(self, council: Council, t: int) -> float:
        """How strong a council's bid is at step ``t``: analysts and coordinators write better
        bids (1 when the PCC does not invite bids)."""
        if self.funding_model(t) != "bids":
            return 1.0
        P = self.model.P
        return (
            1 + P.gain_analyst * council.has_analyst + P.gain_coordinator * council.has_coordinator
        )

    def central_share(self) -> float:
        """Centrally commissioned capacity per fte of the force area's workload."""
        demand = sum(float(c.demand_fte.sum()) for c in self.councils)
        return self.central_fte / demand if demand > 0 else 0.0

    def central_spend_gbp(self, council: Council) -> float:
        """The council area's population share of the money commissioned centrally."""
        pop = sum(c.population for c in self.councils)
        return self.central_gbp * council.population / pop
