"""Community safety partnerships, and the sub-regional hubs of a "1+4" structure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from cspsim.model.submodels import delivery

if TYPE_CHECKING:
    from cspsim.model.agents.council import Council
    from cspsim.model.model import CSPModel


class DeliveryFootprint(mesa.Agent):
    """Where some duties are delivered together: over a set of council areas, each duty in
    ``duties`` is one delivery unit that pays a fixed cost to run the duty at all and, when
    it spans several areas, loses locality on high-volume duties (ODD 7.4).

    Attributes:
        name: Name.
        councils: The council areas delivered over.
        duties: Which duties this footprint delivers, (n_duties,) of bool.

    Perceives: its areas' demand and the capacity planned for each duty. Decides: how each
    area bears the units' fixed costs, and what share of each duty's demand is delivered.
    """

    model: CSPModel  # set by mesa.Agent.__init__; declared here as Mesa ships no types

    def __init__(self, model: CSPModel, name: str):
        super().__init__(model)
        self.name = name
        self.councils: list[Council] = []
        self.duties = np.zeros(model.duties.n, dtype=bool)

    def demand_fte(self) -> np.ndarray:
        """Workload of each duty over the footprint (fte)."""
        return np.sum([c.demand_fte for c in self.councils], axis=0)

    def share_fixed_costs(self) -> None:
        """Each area bears its delivered duties' fixed costs in proportion to its demand."""
        if not self.duties.any():
            return
        dem = self.demand_fte()
        fixed = np.where(dem > 0, self.model.duties.fixed_cost_fte, 0.0)
        per_fte = fixed / np.where(dem > 0, dem, 1.0)
        for c in self.councils:
            c.fixed_fte = np.where(self.duties, c.demand_fte * per_fte, c.fixed_fte)

    def deliver(self) -> None:
        """Turn the areas' capacity into delivery, duty by duty, up to the demand."""
        if not self.duties.any():
            return
        duties, P = self.model.duties, self.model.P
        dem = self.demand_fte()
        loc = delivery.locality_factor(
            np.full(duties.n, len(self.councils)), duties.low_volume, P.locality_penalty_high_volume
        )
        cap = np.sum([c.capacity_fte for c in self.councils], axis=0) * loc
        fixed = np.where(dem > 0, duties.fixed_cost_fte, 0.0)
        share = delivery.deliver(dem, cap, fixed) / np.where(dem > 0, dem, 1.0)
        for c in self.councils:
            c.delivered_fte = np.where(self.duties, share * c.demand_fte, c.delivered_fte)


class Partnership(DeliveryFootprint):
    """A community safety partnership: one or more council areas that plan and deliver
    together (a merged CSP pools its councils' teams). ODD sections 2 and 7.4.

    Attributes:
        structured: True for a CSP of the scenario's merged structure.
        has_coordinator, has_analyst: Some member team has the post (coordination and
            evidence work for the whole CSP).

    Perceives: its areas' demand, what partners committed, its councils' free team time and
    the PCC's central commissioning. Decides: where the councils' time goes (in proportion to
    the gaps partners leave) and, for its own delivery units, what is delivered.
    """

    def __init__(self, model: CSPModel, name: str, structured: bool):
        super().__init__(model, name)
        self.structured = structured
        self.backbone = np.ones(model.duties.n)

    @property
    def has_coordinator(self) -> bool:
        """Some member team has a dedicated coordinator."""
        return any(c.has_coordinator for c in self.councils)

    @property
    def has_analyst(self) -> bool:
        """Some member team has a dedicated analyst."""
        return any(c.has_analyst for c in self.councils)

    def efficiency(self, council: Council) -> np.ndarray:
        """Share of committed capacity that becomes delivery in the council's area, by duty.

        A coordinator and an analyst raise it, an elected-member chair lowers it, and
        backbone funding raises it on the duties it supports (``backbone``, set by the
        structure: a national fund shared over the CSPs).
        """
        P = self.model.P
        eff = delivery.efficiency(
            P.efficiency_base,
            self.has_coordinator,
            self.has_analyst,
            council.chair == "elected_member",
            0.0,
            (P.gain_coordinator, P.gain_analyst, P.chair_member_penalty),
        )
        return eff * self.backbone

    def plan_delivery(self, t: int) -> None:
        """Partners' commitments first; the council teams fill the gaps they leave.

        The teams' free time is pooled over the CSP and shared across duties in proportion
        to the gaps; the PCC's central commissioning adds to every area's capacity.
        """
        eff = [self.efficiency(c) for c in self.councils]
        partners, gaps = [], []
        for c, e in zip(self.councils, eff, strict=True):
            got = c.partners_capacity_fte() + c.new_burdens_fte(t)
            partners.append(got * e)
            gaps.append(np.maximum(c.demand_fte + c.fixed_fte - partners[-1], 0.0))
        team_fte = sum(c.available_fte(t) for c in self.councils)
        gap_total = np.sum(gaps, axis=0)
        alloc = delivery.allocate_flexible(np.array([team_fte]), gap_total[None, :])[0]
        for c, e, got, gap in zip(self.councils, eff, partners, gaps, strict=True):
            share = np.where(gap_total > 0, gap / np.where(gap_total > 0, gap_total, 1.0), 0.0)
            council = np.minimum(alloc * share * e, gap)
            c.capacity_fte = got + council
            if c.pcc is not None and c.pcc.central_fte:
                c.capacity_fte = c.capacity_fte + c.demand_fte * c.pcc.central_share()


class SubRegionalHub(DeliveryFootprint):
    """A sub-regional hub of a "1+4" structure: delivers the hub duties (the low-volume ones,
    such as a sexual assault referral centre) over several CSPs' areas, while the borough
    CSPs keep the high-volume ones (seed 004, Cleveland). ODD sections 2 and 7.4.

    It holds no state of its own beyond its areas and duties (the extra management tier it
    needs is borne by its councils' ``mgmt_share``). Perceives and decides as any
    :class:`DeliveryFootprint`: its units share a fixed cost over more demand, and
    high-volume duties would lose locality.
    """
