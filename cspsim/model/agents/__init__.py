"""The readable engine: Mesa agents that hold the model's state and make its decisions.

Run a model with ``CSPModel(scenario, seed, engine="agents")`` and every phase of a quarter
runs through these agents, scheduled with Mesa's ``AgentSet`` in the order of ODD section 3
(see :meth:`cspsim.model.model.CSPModel.step`):

* :class:`Council` (one per council area): budgets, team, posts, demand, ownership;
* :class:`PoliceAndCrimeCommissioner` (one per force area): passes the fund on;
* :class:`PartnerAgency` and its kinds (police, probation, health, fire and rescue, youth
  offending, county council): split their attention over the CSPs they serve, and adapt
  their engagement;
* :class:`Partnership` (a CSP) and :class:`SubRegionalHub` (1+4): deliver the duties.

The array engine (the default) computes the same rules on whole arrays and is proven equal
to this one (``tests/test_engines.py``).
"""

from cspsim.model.agents.council import Council
from cspsim.model.agents.partner import (
    AGENCY_CLASSES,
    CountyCouncil,
    FireRescueAuthority,
    HealthBody,
    Link,
    PartnerAgency,
    PoliceForce,
    ProbationArea,
    YouthOffendingService,
)
from cspsim.model.agents.partnership import DeliveryFootprint, Partnership, SubRegionalHub
from cspsim.model.agents.pcc import PoliceAndCrimeCommissioner
from cspsim.model.agents.structure import AgentStructure

__all__ = [
    "AGENCY_CLASSES",
    "AgentStructure",
    "Council",
    "CountyCouncil",
    "DeliveryFootprint",
    "FireRescueAuthority",
    "HealthBody",
    "Link",
    "PartnerAgency",
    "Partnership",
    "PoliceAndCrimeCommissioner",
    "PoliceForce",
    "ProbationArea",
    "SubRegionalHub",
    "YouthOffendingService",
]
