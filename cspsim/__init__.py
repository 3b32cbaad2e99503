"""cspsim: an agent-based simulator of community safety partnership capacity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cspsim.inputs.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel

__version__ = "0.1.0"
__all__ = ["CSPModel", "Scenario", "ScenarioError", "__version__", "load_scenario"]


def __getattr__(name: str) -> type[CSPModel]:
    # Imported lazily so `cspsim check` stays quick and config-only users avoid Mesa.
    if name == "CSPModel":
        from cspsim.model.model import CSPModel

        return CSPModel
    raise AttributeError(name)
