"""Partner agencies: police, probation, health, fire and rescue, youth offending, county, and
the National Probation Service (2014-21)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np

from cspsim.model.submodels import adaptation, commitments
from cspsim.vocab import PARTNER_TYPES, PER_100K

if TYPE_CHECKING:
    from cspsim.model.agents.council import Council
    from cspsim.model.agents.partnership import Partnership
    from cspsim.model.model import CSPModel


@dataclass
class Link:
    """A partner agency's place in one CSP: the CSP's council areas that the agency serves.

    Attributes:
        csp: The partnership.
        councils: Its council areas served by the agency (all of them, unless the agency's
            footprint splits the CSP).
    """

    csp: Partnership
    councils: list[Council]


class PartnerAgency(mesa.Agent):
    """A partner agency serving every CSP in its footprint; its attention is split among them.

    Engagement is held per council area (a merged CSP's areas keep their own), and passes to
    the successor body when a footprint is reorganised (PCTs to CCGs, say). ODD sections 2,
    7.3 (commitments) and 7.5 (adaptation).

    Attributes:
        partner_type: One of ``PARTNER_TYPES``.
        level: Footprint level (e.g. ``health_ccg``).
        name: Agency name.
        population: Residents of the areas it serves.
        links: The CSPs it serves this epoch.
        n_hubs: Sub-regional hubs (1+4 structures) it serves.
        engagement: Strategic engagement with each area's CSP, by area index, in [0, 1].
        capacity_fte: Capacity for partnership work this quarter (fte).
        committed_fte: Capacity committed this quarter, attendance included (fte).

    Perceives: its budget index (capacity and pressure), each CSP's expected workload for it
    and the statutory part of it, and what the CSPs delivered. Decides: how much to commit to
    each CSP within its capacity, and how engaged to be next quarter.
    """

    model: CSPModel  # set by mesa.Agent.__init__; declared here as Mesa ships no types

    partner_type: ClassVar[str] = ""

    def __init__(self, model: CSPModel, level: str, name: str):
        super().__init__(model)
        self.p = PARTNER_TYPES.index(self.partner_type)
        self.level = level
        self.name = name
        self.population = 0.0
        self.links: list[Link] = []
        self.n_hubs = 0
        self.engagement: dict[int, float] = {}
        self.capacity_fte = self.committed_fte = 0.0

    @property
    def councils(self) -> list[Council]:
        """Every council area it serves."""
        return [c for link in self.links for c in link.councils]

    @property
    def n_csps_served(self) -> int:
        """Number of CSPs it serves."""
        return len(self.links)

    def dilution(self) -> float:
        """How thinly it is spread: log of the CSPs and hubs it serves, relative to the
        England 2009 norm for its partner type."""
        ref: float = self.model.dilution_ref[self.p]
        return math.log(max(len(self.links) + self.n_hubs, 1.0)) - ref

    def pressure(self, t: int) -> float:
        """Budget pressure: the share of its 2009 budget it has lost."""
        return float(np.clip(1.0 - self.model.sched.budget_index[t, 1 + self.p], 0.0, 1.0))

    # ------------------------------------------------------------ 7.3 commitments
    def split_attention(self, t: int) -> None:
        """Offer each CSP its expected share of the work, as engaged as it is (or as statute
        binds it), after the fixed cost of attending each CSP; ration to what it has."""
        m, P = self.model, self.model.P
        index = m.sched.budget_index[t, 1 + self.p]
        # Its type's staff per 100k (a split-off type: its share of its parent's staff).
        staff = m.fte_per_100k[self.p] * m.epoch.staff_share[self.p]
        self.capacity_fte = staff * self.population / PER_100K * index
        will = commitments.willingness(self.pressure(t), P.pressure_sensitivity)
        engaged, need, desired = [], [], []
        for link in self.links:
            pop = sum(c.population for c in link.councils)
            e = sum(self.engagement[c.area] * c.population for c in link.councils)
            e = e / pop if pop > 0 else e
            n = sum(c.partner_need_fte[self.p] for c in link.councils)
            bound = sum(c.partner_bound_fte[self.p] for c in link.councils)
            bound_share = bound / n if n > 0 else 0.0
            engaged.append(e)
            need.append(n)
            desired.append(
                float(commitments.desired_commitment(n, e, bound_share, P.statutory_floor, will))
            )
        meetings = 1 + self.n_hubs / max(len(self.links), 1)
        overhead = min(P.attendance_fte_per_csp * sum(engaged) * meetings, self.capacity_fte)
        available = max(self.capacity_fte - overhead, 0.0)
        commit = commitments.ration(
            np.array(desired), np.zeros(len(desired), dtype=np.int64), np.array([available])
        )
        for link, n, c_fte in zip(self.links, need, commit.tolist(), strict=True):
            ratio = c_fte / n if n > 0 else 0.0
            for c in link.councils:
                c.offers[self.p] = ratio
        self.committed_fte = float(commit.sum()) + overhead

    # ------------------------------------------------------------ 7.5 adaptation
    def adapt_engagement(self, t: int, noise: np.ndarray) -> None:
        """Move engagement with each area towards a target set by what the CSP gave back
        (reciprocity), budget pressure, statutory obligation and dilution, plus noise.

        Args:
            t: Step.
            noise: This quarter's noise, (partner type, area), already scaled.
        """
        P = self.model.P
        pressure = self.pressure(t)
        dilution = self.dilution()
        for c in self.councils:
            need = c.partner_need_fte[self.p]
            got = float(np.dot(c.delivered_fte, c.weights[1 + self.p]))
            reciprocity = got / need - P.reciprocity_ref if need > 0 else 0.0
            statutory = c.partner_bound_share[self.p] - c.bound_share_2009[self.p]
            target = adaptation.engagement_target(
                self.base_logit(c),
                reciprocity,
                pressure,
                statutory,
                dilution,
                (P.w_reciprocity, P.w_pressure, P.w_statutory, P.w_dilution),
            )
            e = self.engagement[c.area]
            e = adaptation.adapt(e, target, P.engagement_adjust_rate, noise[self.p, c.area])
            self.engagement[c.area] = float(e)

    def base_logit(self, council: Council) -> float:
        """Its base engagement (logit scale) with the council's CSP."""
        return float(self.model.base_logit[self.p])


class PoliceForce(PartnerAgency):
    """A territorial police force; more engaged where a police officer chairs the CSP."""

    partner_type = "police"

    def dilution(self) -> float:
        """Dilution weighted by ``police_dilution_weight``: a local commander and
        neighbourhood team serve each CSP, so the force's attention is not spread evenly."""
        return super().dilution() * self.model.P.police_dilution_weight

    def base_logit(self, council: Council) -> float:
        """Base engagement, raised where police chair the CSP (survey T12 with T19)."""
        bonus = self.model.P.chair_police_engagement_bonus * (council.chair == "police")
        return float(self.model.base_logit[self.p] + bonus)


class ProbationArea(PartnerAgency):
    """A probation trust (2009), Community Rehabilitation Company (2014) or probation delivery
    unit (2021)."""

    partner_type = "probation"


class NationalProbationService(PartnerAgency):
    """A division of the National Probation Service (June 2014 to June 2021): a second
    probation partner beside the CRC, with a share of probation's work and staff; its
    engagement with an area starts at probation's there."""

    partner_type = "probation_nps"


class HealthBody(PartnerAgency):
    """A PCT (2009), CCG (2013) or ICB (2022)."""

    partner_type = "health"


class FireRescueAuthority(PartnerAgency):
    """A fire and rescue authority."""

    partner_type = "fire_rescue"


class YouthOffendingService(PartnerAgency):
    """A youth offending service (one per upper-tier council)."""

    partner_type = "youth_offending"


class CountyCouncil(PartnerAgency):
    """A county council: partner of every district CSP in its county."""

    partner_type = "county_council"


AGENCY_CLASSES: dict[str, type[PartnerAgency]] = {
    c.partner_type: c for c in PartnerAgency.__subclasses__()
}
