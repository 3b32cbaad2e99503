"""Who serves whom: wiring the agents to the structure in force (ODD 7.0, structure by date).

The structure of each epoch (CSPs, delivery units, partner footprints) comes from
:mod:`cspsim.model.world`; at the first step of an epoch :meth:`AgentStructure.rewire` tells
every agent whom it works with. Agents persist across epochs: a CSP that is unchanged by a
health reorganisation keeps its identity, and a successor partner body (a CCG after a PCT)
takes over its predecessor's engagement with each area, shaken by the reorganisation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.agent import AgentSet

from cspsim.model.agents.council import Council
from cspsim.model.agents.partner import AGENCY_CLASSES, Link, PartnerAgency
from cspsim.model.agents.partnership import Partnership, SubRegionalHub
from cspsim.model.agents.pcc import PoliceAndCrimeCommissioner
from cspsim.model.submodels import delivery
from cspsim.vocab import AUTHORITY_TYPES, PARTNER_TYPES, SPLIT_FROM

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel
    from cspsim.model.state import AreaState
    from cspsim.model.world import Epoch


class AgentStructure:
    """Every agent of a run, and the agent sets the schedule steps through.

    Attributes:
        councils: One council per area, in area order.
        pccs: One PCC per force area.
        partners: The partner agencies serving some CSP in the current epoch.
        csps: The CSPs of the current epoch.
        footprints: The CSPs and sub-regional hubs (everything that delivers duties).
    """

    def __init__(self, model: CSPModel, state: AreaState):
        self.model = model
        self.initial_engagement = state.engagement
        self.council_list = [Council(model, a, state) for a in range(model.geo.n)]
        force = model.geo.footprint["police"]
        self.pcc_list = [
            PoliceAndCrimeCommissioner(
                model, f, [self.council_list[a] for a in np.flatnonzero(force == f)]
            )
            for f in range(len(model.geo.footprint_names["police"]))
        ]
        self._agencies: dict[tuple[str, str, int], PartnerAgency] = {}
        self._csps: dict[tuple[str, bool], Partnership] = {}
        self._hubs: dict[tuple[int, ...], SubRegionalHub] = {}
        rng = model.random
        self.councils = AgentSet(self.council_list, random=rng)
        self.pccs = AgentSet(self.pcc_list, random=rng)
        self.partners: AgentSet = AgentSet([], random=rng)
        self.csps: AgentSet = AgentSet([], random=rng)
        self.footprints: AgentSet = AgentSet([], random=rng)

    @property
    def csp_agents(self) -> list[Partnership]:
        """Every CSP of the run so far (of every structure)."""
        return list(self._csps.values())

    @property
    def agency_agents(self) -> list[PartnerAgency]:
        """Every partner agency of the run so far (of every footprint level)."""
        return list(self._agencies.values())

    def rewire(self, ep: Epoch, shocked: set[str], first: bool) -> None:
        """Put the structure of epoch ``ep`` in force.

        Args:
            ep: The epoch starting now.
            shocked: Partner types whose footprints were reorganised (their engagement is
                shaken by the registry's ``reorganisation_shock``).
            first: The first step of the run (engagement is the initial draw).
        """
        csps = self._wire_csps(ep)
        hubs = self._wire_delivery(ep, csps)
        partners = self._wire_partners(ep, csps, shocked, first)
        rng = self.model.random
        self.csps = AgentSet(csps, random=rng)
        self.partners = AgentSet(partners, random=rng)
        self.footprints = AgentSet([*csps, *hubs], random=rng)

    def _wire_csps(self, ep: Epoch) -> list[Partnership]:
        m = self.model
        csps = []
        for k, name in enumerate(ep.csp_names):
            key = (name, ep.structured)
            if key not in self._csps:
                self._csps[key] = Partnership(m, name, ep.structured)
            csp = self._csps[key]
            csp.councils = [self.council_list[a] for a in np.flatnonzero(ep.csp_of_area == k)]
            for c in csp.councils:
                c.csp = csp
                c.mgmt_share = float(ep.mgmt_share[c.area])
                # A reorganisation can make a district part of a unitary (real England).
                c.authority_type = AUTHORITY_TYPES[int(ep.area_type[c.area])]
                c.two_tier = bool(ep.two_tier[c.area])
                c.weights = ep.W[c.area]
                c.csp_councils = int(ep.n_councils_of_area[c.area])
            csp.backbone = self._backbone(len(ep.csp_names))
            csps.append(csp)
        return csps

    def _backbone(self, n_csps: int) -> np.ndarray:
        """Efficiency multiplier per duty from the backbone lever (1 where none)."""
        gain = delivery.backbone_gain(self.model, n_csps)
        return np.ones(self.model.duties.n) if gain is None else gain

    def _wire_delivery(self, ep: Epoch, csps: list[Partnership]) -> list[SubRegionalHub]:
        """Each delivery unit to the CSP it lies in, or to the hub it spans."""
        hubs: dict[tuple[int, ...], SubRegionalHub] = {}
        for csp in csps:
            csp.duties = np.zeros(self.model.duties.n, dtype=bool)
        units: dict[int, tuple[int, list[int]]] = {}  # unit: (duty, its areas)
        for (a, d), u in np.ndenumerate(ep.unit_of):
            units.setdefault(int(u), (d, []))[1].append(a)
        for d, areas in units.values():
            home = self.council_list[areas[0]].csp
            assert home is not None, "_wire_csps gave every council its CSP"
            if len(areas) == len(home.councils) and all(
                self.council_list[a].csp is home for a in areas
            ):
                home.duties[d] = True
                continue
            key = tuple(areas)
            hub = self._hubs.get(key)
            if hub is None:
                name = "hub:" + "+".join(self.model.geo.names[a] for a in areas)
                hub = self._hubs[key] = SubRegionalHub(self.model, name)
                hub.councils = [self.council_list[a] for a in areas]
            if key not in hubs:
                hub.duties = np.zeros(self.model.duties.n, dtype=bool)
                hubs[key] = hub
            hub.duties[d] = True
        return list(hubs.values())

    def _wire_partners(
        self, ep: Epoch, csps: list[Partnership], shocked: set[str], first: bool
    ) -> list[PartnerAgency]:
        m = self.model
        # Engagement by (partner type, area) before the change: the successor inherits it.
        before = {(ag.p, a): e for ag in self.partners for a, e in ag.engagement.items()}
        for ag in self.partners:
            ag.links, ag.engagement = [], {}
        active: dict[int, PartnerAgency] = {}
        for link, g in enumerate(ep.link_agency.tolist()):
            p = int(ep.agency_ptype[g])
            ptype = PARTNER_TYPES[p]
            if g not in active:
                level = ep.levels.get(ptype, ptype)
                key = (ptype, level, ep.agency_name[g])
                if key not in self._agencies:
                    self._agencies[key] = AGENCY_CLASSES[ptype](m, level, ep.agency_name[g])
                ag = active[g] = self._agencies[key]
                ag.population = float(ep.agency_pop[g])
                ag.n_hubs = int(ep.hubs_served[g])
            ag = active[g]
            areas = np.flatnonzero(ep.link_of[p] == link)
            councils = [self.council_list[a] for a in areas]
            csp = councils[0].csp
            assert csp is not None, "_wire_csps gave every council its CSP"
            ag.links.append(Link(csp, councils))
            keep = 1 - m.P.reorganisation_shock if ptype in shocked else 1.0
            moved = ep.transition  # areas of new unitaries: the transition shock
            # A split-off partner new to an area starts where its parent was (the NPS).
            parent = PARTNER_TYPES.index(SPLIT_FROM[ptype]) if ptype in SPLIT_FROM else p
            for a in areas.tolist():
                if first:
                    ag.engagement[a] = float(self.initial_engagement[p, a])
                else:
                    ag.engagement[a] = before.get((p, a), before.get((parent, a), 0.0)) * keep
                    if ep.merged is not None and ep.merged[p, a]:  # its agency merged
                        ag.engagement[a] *= 1 - m.P.reorganisation_shock
                    if moved is not None and moved[a]:
                        ag.engagement[a] *= 1 - m.P.council_reorganisation_shock
        return list(active.values())
