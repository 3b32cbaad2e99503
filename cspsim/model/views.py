"""Mesa agents: views onto the model's arrays, for inspection and the dashboard.

The model's phases run on arrays (``CSPModel.step``); each agent here reads its own slice
of that state, so agents always agree with the arrays and cost nothing per step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from cspsim.model.agents.partner import AGENCY_CLASSES
from cspsim.vocab import AUTHORITY_TYPES, CHAIRS, PARTNER_TYPES, PER_100K

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel


class Council(mesa.Agent):
    """The council of one area: leads its CSP and employs the community safety team.

    Attributes:
        area: Index of the council area.
        name: Area name.
        authority_type: district_borough, unitary, metropolitan or london_borough.
        population: Residents.
    """

    model: CSPModel  # set by mesa.Agent.__init__; declared here as Mesa ships no types

    def __init__(self, model: CSPModel, area: int):
        super().__init__(model)
        self.area = area
        self.name = model.geo.names[area]
        self.authority_type = AUTHORITY_TYPES[model.geo.type_code[area]]
        self.population = float(model.geo.population[area])

    @property
    def team_fte(self) -> float:
        """Community safety team size (fte)."""
        return float(self.model.state.team_fte[self.area])

    @property
    def has_analyst(self) -> bool:
        """Whether the team has a dedicated analyst."""
        return bool(self.model.state.analyst[self.area])

    @property
    def has_coordinator(self) -> bool:
        """Whether the team has a dedicated coordinator."""
        return bool(self.model.state.coordinator[self.area])

    @property
    def chair(self) -> str:
        """Who chairs the area's CSP."""
        return CHAIRS[self.model.state.chair[self.area]]

    @property
    def ownership(self) -> float:
        """Council's commitment to its CSP (1 = full)."""
        return float(self.model.state.ownership[self.area])


class Partnership(mesa.Agent):
    """A community safety partnership: one or more council areas that plan and deliver together.

    Attributes:
        key: CSP name in the structure it belongs to.
        structured: True for a CSP of the scenario's merged structure, False for a borough CSP.
    """

    model: CSPModel  # set by mesa.Agent.__init__; declared here as Mesa ships no types

    def __init__(self, model: CSPModel, key: str, structured: bool):
        super().__init__(model)
        self.key = key
        self.structured = structured

    def _areas(self) -> np.ndarray:
        ep = self.model.epoch
        if self.key not in ep.csp_names:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(ep.csp_of_area == ep.csp_names.index(self.key))

    @property
    def active(self) -> bool:
        """Whether this CSP exists in the current structure."""
        return self._areas().size > 0

    @property
    def share_met(self) -> float:
        """Share of demand met last quarter, all duties (NaN before the first step)."""
        t, a = self.model.t, self._areas()
        if t < 0 or a.size == 0:
            return float("nan")
        dem = self.model.rec.demand[t, a].sum()
        return float(self.model.rec.delivered[t, a].sum() / dem) if dem > 0 else float("nan")

    @property
    def engagement(self) -> dict[str, float]:
        """Mean strategic engagement of each partner type with this CSP."""
        a = self._areas()
        e = (
            self.model.state.engagement[:, a]
            if a.size
            else np.full((len(PARTNER_TYPES), 0), np.nan)
        )
        return {
            p: float(e[k].mean()) if e.shape[1] else float("nan")
            for k, p in enumerate(PARTNER_TYPES)
        }


class PartnerAgency(mesa.Agent):
    """A partner agency serving every CSP in its footprint (its attention is split among them).

    Attributes:
        partner_type: One of ``PARTNER_TYPES``.
        name: Agency name (unique within the run).
    """

    model: CSPModel  # set by mesa.Agent.__init__; declared here as Mesa ships no types

    partner_type = ""

    def __init__(self, model: CSPModel, name: str):
        super().__init__(model)
        self.name = name

    def _gid(self) -> int | None:
        lookup = self.model.epoch.agency_of
        return lookup.get((PARTNER_TYPES.index(self.partner_type), self.name))

    @property
    def active(self) -> bool:
        """Whether the agency exists in the current footprint (e.g. PCTs before 2013)."""
        return self._gid() is not None

    @property
    def n_csps_served(self) -> int:
        """Number of CSPs the agency serves now."""
        g = self._gid()
        return 0 if g is None else int(self.model.epoch.n_served[g])

    @property
    def capacity_fte(self) -> float:
        """Capacity for partnership work this quarter (fte)."""
        g = self._gid()
        if g is None:
            return 0.0
        m = self.model
        p = PARTNER_TYPES.index(self.partner_type)
        idx = m.sched.budget_index[max(m.t, 0), 1 + p]
        return float(m.fte_per_100k[p] * m.epoch.agency_pop[g] / PER_100K * idx)

    @property
    def budget_gbp(self) -> float:
        """Annual budget for partnership work (GBP)."""
        return self.capacity_fte * float(self.model.sched.cost_per_fte_gbp[max(self.model.t, 0)])


class PoliceAndCrimeCommissioner(mesa.Agent):
    """A PCC (from the scenario's election date), one per force area; holds the community
    safety fund from 2013 and passes it on by the scenario's funding model."""

    model: CSPModel  # set by mesa.Agent.__init__; declared here as Mesa ships no types

    def __init__(self, model: CSPModel, force: str):
        super().__init__(model)
        self.force = force

    @property
    def in_office(self) -> bool:
        """Whether PCCs have been elected by the current step."""
        return bool(self.model.sched.pcc_active[max(self.model.t, 0)])

    @property
    def funding_model(self) -> str:
        """grant, central, bids or board: the model in force in the force area now."""
        k = self.model.geo.footprint_names["police"].index(self.force)
        return str(self.model.pcc_model[max(self.model.t, 0), k])


def _view_class(ptype: str, agent_class: type) -> type[PartnerAgency]:
    """A view class named and described as the agent engine's class of that partner type."""
    attrs = {"partner_type": ptype, "__doc__": agent_class.__doc__, "__module__": __name__}
    view: type[PartnerAgency] = type(agent_class.__name__, (PartnerAgency,), attrs)
    return view


# One view class per kind of partner agency (PoliceForce, HealthBody, ...), the same kinds
# as the agent engine's (cspsim.model.agents.partner).
_CLASSES = {ptype: _view_class(ptype, cls) for ptype, cls in AGENCY_CLASSES.items()}
_LEVELS = {
    "police": ["police"],
    "probation": ["probation_trust", "probation_crc", "probation_region", "probation_pdu"],
    "health": ["health_pct", "health_ccg", "health_icb"],
    "fire_rescue": ["fire_rescue"],
    "youth_offending": ["youth_offending"],
    "county_council": ["county_council"],
    "probation_nps": ["probation_nps"],
}


def build_agent_views(model: CSPModel) -> dict[str, list[mesa.Agent]]:
    """Create every agent view of a model, grouped by kind."""
    geo = model.geo
    views: dict[str, list[mesa.Agent]] = {
        "councils": [Council(model, a) for a in range(geo.n)],
        "partnerships": [],
        "partners": [],
        "pccs": [PoliceAndCrimeCommissioner(model, f) for f in geo.footprint_names["police"]],
    }
    seen = set()
    for ep in model.epochs:
        for name in ep.csp_names:
            if name not in seen:
                seen.add(name)
                views["partnerships"].append(Partnership(model, name, ep.structured))
    for ptype, levels in _LEVELS.items():
        used = {ep.levels.get(ptype, ptype) for ep in model.epochs}
        names: dict[str, None] = {}  # one view per agency name (levels may share names)
        for level in levels:
            if level in used:
                names.update(dict.fromkeys(geo.footprint_names[level]))
        views["partners"].extend(_CLASSES[ptype](model, n) for n in names)
    return views
