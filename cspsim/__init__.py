"""cspsim: an agent-based simulator of community safety partnership capacity."""

from cspsim.inputs.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"
__all__ = ["CSPModel", "Scenario", "ScenarioError", "__version__", "load_scenario"]


def __getattr__(name: str):
    # Imported lazily so `cspsim check` stays quick and config-only users avoid Mesa.
    if name == "CSPModel":
        from cspsim.model.model import CSPModel

        return CSPModel
    raise AttributeError(name)
