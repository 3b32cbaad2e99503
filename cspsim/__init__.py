"""cspsim: an agent-based simulator of community safety partnership capacity.

From Python: ``cspsim.run(scenario, ...)`` and ``cspsim.compare(scenarios, ...)`` do what
``cspsim run`` and ``cspsim compare`` do (:mod:`cspsim.studies.api`); ``CSPModel`` is one run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cspsim.inputs.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    from cspsim.analysis.comparison import Comparison
    from cspsim.model.model import CSPModel
    from cspsim.studies.api import RunResult, compare, run

__version__ = "0.1.0"
__all__ = [
    "CSPModel",
    "Comparison",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_scenario",
    "run",
]

# Imported lazily so `cspsim check` stays quick and config-only users avoid Mesa and pandas.
_LAZY = {
    "CSPModel": "cspsim.model.model",
    "Comparison": "cspsim.analysis.comparison",
    "RunResult": "cspsim.studies.api",
    "compare": "cspsim.studies.api",
    "run": "cspsim.studies.api",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(module), name)
